// Docker's internal networks come with isolation rules in the host's FORWARD
// chain: `! -s <subnet> -o <bridge> -j DROP` and `! -d <subnet> -i <bridge> -j DROP`.
// With br_netfilter (bridge-nf-call-iptables=1), frames *bridged* between two
// containers on one network pass through those rules too, so a client packet
// from 10.78.0.10 crossing the transit link 10.77.0.56/29 is dropped. The fix
// accepts, in DOCKER-USER (evaluated first), only frames that enter and leave
// the same lab bridge: nothing is routed by the host, nothing leaves the lab.
//
// The rules are written from a short-lived helper container in the host's
// network namespace (NET_ADMIN only), so the orchestrator itself needs no root
// and this works wherever the Docker API does. Every rule carries a comment
// naming its lab, which is how `down` finds and removes them.
import { LabError } from '../errors.js';
import { labLabels } from './labels.js';
import type { ContainerRuntime } from './runtime.js';

export const RULE_TAG = 'anycast-lab:';

/** Bridge device Docker creates for a network it named itself. */
export const bridgeOf = (networkId: string): string => `br-${networkId.slice(0, 12)}`;

// The host may run iptables with the nf_tables or the legacy backend; use the
// one where Docker created DOCKER-USER.
const PICK_IPT = `
IPT=
for c in iptables-nft iptables-legacy; do
  if $c -S DOCKER-USER >/dev/null 2>&1; then IPT=$c; break; fi
done
[ -n "$IPT" ] || { echo "no DOCKER-USER chain in the host's iptables (is dockerd managing iptables?)" >&2; exit 3; }
`;

// `iptables -S` prints the comment quoted; rules are rebuilt from their parts
// rather than by editing that text, so quoting never decides what is deleted.
const DELETE_MATCHING = (grepTag: string, keepExpr: string) => `
  $IPT -S DOCKER-USER 2>/dev/null | grep -- '${grepTag}' | while read -r rule; do
    br=$(echo "$rule" | sed -n 's/.* -i \\([^ ]*\\) .*/\\1/p')
    tag=$(echo "$rule" | sed -n 's/.*--comment "\\{0,1\\}\\(${RULE_TAG}[^" ]*\\).*/\\1/p')
    [ -n "$br" ] && [ -n "$tag" ] || continue
    ${keepExpr}
    $IPT -D DOCKER-USER -i "$br" -o "$br" -m comment --comment "$tag" -j ACCEPT
  done`;

/** Pure: the shell script that makes the host accept exactly these lab bridges. */
export function allowScript(lab: string, bridges: string[]): string {
  const tag = `${RULE_TAG}${lab}`;
  const keep = bridges.join(' ');
  return `set -e
${PICK_IPT}
for br in ${keep}; do
  $IPT -C DOCKER-USER -i $br -o $br -m comment --comment ${tag} -j ACCEPT 2>/dev/null ||
    $IPT -I DOCKER-USER -i $br -o $br -m comment --comment ${tag} -j ACCEPT
done
# Rules of this lab for bridges that no longer exist (a network was recreated).
${DELETE_MATCHING(`${tag}"\\{0,1\\} `, `case " ${keep} " in *" $br "*) continue ;; esac`)}
echo "$IPT: $(echo ${keep} | wc -w) lab bridges accepted"
`;
}

/** Pure: removes every rule of one lab (or of all labs). */
export function removeScript(lab?: string): string {
  const grepTag = lab ? `${RULE_TAG}${lab}"\\{0,1\\} ` : RULE_TAG;
  // Never list the backend Docker does not use: listing creates its tables.
  return `${PICK_IPT.replace('exit 3', 'exit 0')}
${DELETE_MATCHING(grepTag, ':')}
echo "$IPT: removed"
`;
}

/** A client whose default route must point at its eyeball router; `pid` is its PID 1 on the host. */
export interface ClientRoute {
  node: string;
  pid: number;
  gateway: string;
}

/**
 * Pure: replaces Docker's default route (via the host bridge) in each
 * client's namespace, entered by pid, so clients stay unprivileged and one
 * helper serves them all instead of one helper container per client.
 */
export function clientRoutesScript(clients: ClientRoute[]): string {
  return clients
    .map(
      (c) =>
        `nsenter --net=/proc/${c.pid}/ns/net ip route replace default via ${c.gateway} && echo "route ${c.node}: $(nsenter --net=/proc/${c.pid}/ns/net ip route show default)"`,
    )
    .join(' &&\n');
}

async function runOnHost(rt: ContainerRuntime, image: string, lab: string, script: string, what: string, pidHost = false): Promise<string> {
  const r = await rt.runToCompletion(
    {
      name: `al-${lab}-hostfw-${process.pid}-${Date.now() % 100000}`,
      image,
      labels: labLabels(lab, 'host', 'helper', 'helper'),
      cmd: ['sh', '-c', script],
      capAdd: pidHost ? ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN', 'SYS_PTRACE'] : ['NET_ADMIN', 'NET_RAW'],
      networkMode: 'host',
      ...(pidHost ? { pidMode: 'host' } : {}),
    },
    60_000,
  );
  if (r.exitCode !== 0) throw new LabError('NODE_START', `${what} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/**
 * One helper container for what `up` needs from the host after its
 * containers run: the DOCKER-USER rules and every client's default route.
 */
export const hostSetup = (rt: ContainerRuntime, image: string, lab: string, networkIds: string[], clients: ClientRoute[]) =>
  runOnHost(
    rt,
    image,
    lab,
    `${allowScript(lab, networkIds.map(bridgeOf))}${clients.length ? `\n${clientRoutesScript(clients)}\n` : ''}`,
    'host setup (DOCKER-USER rules, client routes)',
    clients.length > 0,
  );

export const removeLabRules = (rt: ContainerRuntime, image: string, lab?: string) =>
  runOnHost(rt, image, lab ?? 'all', removeScript(lab), "removing the lab's DOCKER-USER rules");
