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
import { dockerMacOf, linkLocalOf } from './swarm/overlay.js';

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

/** Pure: removes every rule of one lab (or of all labs), IPv4 and IPv6. */
export function removeScript(lab?: string): string {
  const grepTag = lab ? `${RULE_TAG}${lab}"\\{0,1\\} ` : RULE_TAG;
  // Never list the backend Docker does not use: listing creates its tables.
  return `${PICK_IPT.replace('exit 3', 'exit 0')}
${DELETE_MATCHING(grepTag, ':')}
echo "$IPT: removed"
${removeScript6(grepTag)}
`;
}

// IPv6. dockerd 20.10 writes no ip6tables rules unless its experimental
// "ip6tables" option is on, so a dual-stack lab's bridges have no isolation
// for IPv6 at all: the twin of Docker's internal-network rules is ours. In
// chains of our own (Docker's DOCKER-USER may not exist for IPv6), jumped to
// first from FORWARD and INPUT: a frame may be bridged within one lab bridge;
// anything else entering or leaving a lab bridge through the host is dropped,
// and nothing from a lab bridge reaches the host itself (its other
// interfaces' addresses included: the host would answer for them on any).
export const CHAIN6 = { forward: 'ANYCAST-LAB', input: 'ANYCAST-LAB-IN' } as const;

/** The ip6tables of the backend IPv4 uses ($IPT, picked by PICK_IPT). */
const PICK_IP6T = 'IP6T=$(echo "$IPT" | sed "s/^iptables/ip6tables/")';

// Rules are rebuilt from their parts, as for IPv4: chain, -i, -o, comment, target.
const DELETE_MATCHING6 = (grepTag: string, keepExpr: string) => `
  for chain in ${CHAIN6.forward} ${CHAIN6.input}; do
    $IP6T -S $chain 2>/dev/null | grep -- '${grepTag}' | while read -r rule; do
      in=$(echo "$rule" | sed -n 's/.* -i \\([^ ]*\\) .*/\\1/p')
      out=$(echo "$rule" | sed -n 's/.* -o \\([^ ]*\\) .*/\\1/p')
      tag=$(echo "$rule" | sed -n 's/.*--comment "\\{0,1\\}\\(${RULE_TAG}[^" ]*\\).*/\\1/p')
      target=$(echo "$rule" | sed -n 's/.* -j \\([A-Z]*\\).*/\\1/p')
      br=\${in:-$out}
      [ -n "$br" ] && [ -n "$tag" ] && [ -n "$target" ] || continue
      ${keepExpr}
      $IP6T -D $chain \${in:+-i $in} \${out:+-o $out} -m comment --comment "$tag" -j $target
    done
  done`;

/**
 * Pure: the IPv6 twin of allowScript for a dual-stack lab's bridges. Appended
 * to it (it needs $IPT), so one helper writes both families' rules.
 */
export function allowScript6(lab: string, bridges: string[]): string {
  const tag = `${RULE_TAG}${lab}`;
  const keep = bridges.join(' ');
  const rule = (chain: string, match: string, target: string) =>
    `$IP6T -C ${chain} ${match} -m comment --comment ${tag} -j ${target} 2>/dev/null || $IP6T -A ${chain} ${match} -m comment --comment ${tag} -j ${target}`;
  return `${PICK_IP6T}
$IP6T -S >/dev/null 2>&1 || { echo "cannot use $IP6T on the host: a dual-stack lab needs ip6tables to keep its IPv6 traffic inside the lab" >&2; exit 4; }
for chain in ${CHAIN6.forward} ${CHAIN6.input}; do $IP6T -N $chain 2>/dev/null || true; done
$IP6T -C FORWARD -j ${CHAIN6.forward} 2>/dev/null || $IP6T -I FORWARD -j ${CHAIN6.forward}
$IP6T -C INPUT -j ${CHAIN6.input} 2>/dev/null || $IP6T -I INPUT -j ${CHAIN6.input}
# Order within the chain: a bridge's ACCEPT must come before its DROPs; -A
# after -C keeps a bridge's three rules in this order, and no bridge's DROP
# can match another bridge's frame.
for br in ${keep}; do
  ${rule(CHAIN6.forward, '-i $br -o $br', 'ACCEPT')}
  ${rule(CHAIN6.forward, '-i $br', 'DROP')}
  ${rule(CHAIN6.forward, '-o $br', 'DROP')}
  ${rule(CHAIN6.input, '-i $br', 'DROP')}
done
${DELETE_MATCHING6(`${tag}"\\{0,1\\} `, `case " ${keep} " in *" $br "*) continue ;; esac`)}
echo "$IP6T: $(echo ${keep} | wc -w) lab bridges kept to themselves"
`;
}

/** Pure: removes IPv6 rules matching `grepTag`, and our chains once no lab has rules left. Quiet where there is no ip6tables. */
function removeScript6(grepTag: string): string {
  return `${PICK_IP6T}
if command -v "$IP6T" >/dev/null 2>&1 && $IP6T -S ${CHAIN6.forward} >/dev/null 2>&1; then
${DELETE_MATCHING6(grepTag, ':')}
  for pair in FORWARD:${CHAIN6.forward} INPUT:${CHAIN6.input}; do
    hook=\${pair%%:*}; chain=\${pair#*:}
    if ! $IP6T -S $chain | grep -q -- '^-A '; then
      $IP6T -D $hook -j $chain 2>/dev/null || true
      $IP6T -X $chain 2>/dev/null || true
    fi
  done
  echo "$IP6T: removed"
fi`;
}

/** A client whose default route must point at its eyeball router; `pid` is its PID 1 on the host. */
export interface ClientRoute {
  node: string;
  pid: number;
  gateway: string;
  /** Dual-stack labs: the eyeball's address on the LAN's /64, the client's IPv6 default route. */
  gateway6?: string;
}

/**
 * Pure: replaces Docker's default route (via the host bridge) in each
 * client's namespace, entered by pid, so clients stay unprivileged and one
 * helper serves them all instead of one helper container per client.
 */
export function clientRoutesScript(clients: ClientRoute[]): string {
  return clients
    .map((c) => {
      const ns = `nsenter --net=/proc/${c.pid}/ns/net`;
      const v4 = `${ns} ip route replace default via ${c.gateway} && echo "route ${c.node}: $(${ns} ip route show default)"`;
      return c.gateway6 ? `${v4} &&\n${ns} ip -6 route replace default via ${c.gateway6} && echo "route ${c.node}: $(${ns} ip -6 route show default)"` : v4;
    })
    .join(' &&\n');
}

/**
 * One end of a Swarm overlay in a dual-stack lab: the node's lab IPv6 address
 * on the interface that holds its IPv4 one, and the other members it talks to.
 */
export interface OverlayEnd {
  node: string;
  /** Its PID 1 on this host. */
  pid: number;
  ipv4: string;
  /** Its lab address and the network's prefix length, e.g. fd00:57:0:321d::2/64. */
  ipv6: string;
  peers: { ipv4: string; ipv6: string }[];
}

/**
 * Pure: a lab's overlays are IPv4-only Docker networks (docker-runtime.ts
 * says why), and an overlay carries no multicast, so neighbour discovery
 * finds nothing. In each end's namespace: the lab's IPv6 address on the
 * interface that holds its IPv4 one (no DAD: the lab plans them unique), and
 * each peer, at its lab address and its link-local one (BGP's next hop), as a
 * permanent neighbour at the MAC Docker derives from its IPv4 address, which
 * the overlay forwards (measured: ping6 across two hosts, 0 %
 * loss, 2026-12-07).
 */
export function overlayIpv6Script(ends: OverlayEnd[]): string {
  const lines = ends.flatMap((e) => {
    const ns = `nsenter --net=/proc/${e.pid}/ns/net`;
    return [
      `dev=$(${ns} ip -o -4 addr show to ${e.ipv4}/32 | awk '{print $2}')`,
      `[ -n "$dev" ] || { echo "overlay ${e.node}: no interface holds ${e.ipv4}" >&2; exit 1; }`,
      // Docker turns IPv6 off on an interface of a network without it.
      `${ns} sh -c "echo 0 > /proc/sys/net/ipv6/conf/$dev/disable_ipv6"`,
      `${ns} ip -6 addr replace ${e.ipv6} dev "$dev" nodad`,
      ...e.peers.flatMap((p) => {
        const mac = dockerMacOf(p.ipv4);
        return [p.ipv6, linkLocalOf(mac)].map((a) => `${ns} ip -6 neigh replace ${a} lladdr ${mac} dev "$dev" nud permanent`);
      }),
      `echo "overlay ${e.node}: ${e.ipv6} on $dev, ${e.peers.length} permanent neighbours"`,
    ];
  });
  return ['set -e', ...lines].join('\n');
}

/** The lab's IPv6 addresses on the overlay ends of one host, through one helper in its namespaces. */
export const overlayIpv6Setup = (rt: ContainerRuntime, image: string, lab: string, ends: OverlayEnd[]) =>
  runOnHost(rt, image, lab, overlayIpv6Script(ends), 'IPv6 on overlays', true, true);

async function runOnHost(
  rt: ContainerRuntime,
  image: string,
  lab: string,
  script: string,
  what: string,
  pidHost = false,
  writableProcSys = false,
): Promise<string> {
  const r = await rt.runToCompletion(
    {
      name: `al-${lab}-hostfw-${process.pid}-${Date.now() % 100000}`,
      image,
      labels: labLabels(lab, 'host', 'helper', 'helper'),
      cmd: ['sh', '-c', script],
      capAdd: pidHost ? ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN', 'SYS_PTRACE'] : ['NET_ADMIN', 'NET_RAW'],
      networkMode: 'host',
      ...(pidHost ? { pidMode: 'host' } : {}),
      ...(writableProcSys ? { writableProcSys } : {}),
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
export const hostSetup = (rt: ContainerRuntime, image: string, lab: string, networkIds: string[], clients: ClientRoute[], ipv6NetworkIds: string[] = []) =>
  runOnHost(
    rt,
    image,
    lab,
    `${allowScript(lab, networkIds.map(bridgeOf))}${ipv6NetworkIds.length ? allowScript6(lab, ipv6NetworkIds.map(bridgeOf)) : ''}${clients.length ? `\n${clientRoutesScript(clients)}\n` : ''}`,
    `host setup (DOCKER-USER rules${ipv6NetworkIds.length ? ', ip6tables rules' : ''}, client routes)`,
    clients.length > 0,
  );

export const removeLabRules = (rt: ContainerRuntime, image: string, lab?: string) =>
  runOnHost(rt, image, lab ?? 'all', removeScript(lab), "removing the lab's DOCKER-USER and ip6tables rules");
