// Asks FRR inside a router container, through vtysh. The only place that
// knows the command strings; callers get parsed state.
import { readFile } from 'node:fs/promises';
import { LabError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { parseRouterState, ROUTER_STATE_COMMANDS, type RouterState } from './frr-state.js';
import { type PolicyOverride, policyOverrides } from './policy-overrides.js';
import { vtyQuery } from './vty-client.js';

/** `container` is the router's container name (al-<lab>-<node>), so a failure names the router. */
export async function vtysh(rt: ContainerRuntime, container: string, ...commands: string[]): Promise<string> {
  const args = commands.flatMap((c) => ['-c', c]);
  const r = await rt.exec(container, ['vtysh', ...args], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) {
    throw new LabError(
      'ROUTER_QUERY',
      `${container}: vtysh ${commands.map((c) => `-c '${c}'`).join(' ')} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim() || '(no output)'}`,
    );
  }
  return r.stdout;
}

/** The daemon that answers each of ROUTER_STATE_COMMANDS (vtysh sends each to that one alone). */
const DAEMON_OF: Record<(typeof ROUTER_STATE_COMMANDS)[number], string> = {
  'show bgp summary json': 'bgpd',
  'show bfd peers json': 'bfdd',
  'show ip route json': 'zebra',
  'show ipv6 route json': 'zebra',
};

/** Set once a vty socket was refused for lack of privilege: no use trying again. */
let vtyDenied = false;

/** Whether sockets and files in a router's root are worth trying from this process. */
export const vtyReachable = (rt: ContainerRuntime): rt is ContainerRuntime & Required<Pick<ContainerRuntime, 'hostPath'>> => !vtyDenied && !!rt.hostPath;

export async function readRouterState(rt: ContainerRuntime, container: string): Promise<RouterState> {
  return (await readStateOverVty(rt, container)) ?? readStateViaVtysh(rt, container);
}

/** The documents through one exec and one vtysh: the way when the vty sockets are out of reach. */
export async function readStateViaVtysh(rt: ContainerRuntime, container: string): Promise<RouterState> {
  const r = await rt.exec(container, ['vtysh', ...ROUTER_STATE_COMMANDS.flatMap((c) => ['-c', c])], { timeoutMs: 15_000 });
  return parseRouterState(r.stdout);
}

/**
 * The same documents straight from the daemons' vty sockets, without
 * an exec (src/lab/vty-client.ts says why); undefined whenever that is not
 * possible (another host, not root, paused, a daemon down or slow), and the
 * caller asks vtysh as before, so a dead daemon reads exactly as it always did.
 */
export async function readStateOverVty(rt: ContainerRuntime, container: string): Promise<RouterState | undefined> {
  if (!vtyReachable(rt)) return undefined;
  try {
    const dir = await rt.hostPath(container, '/run/frr');
    return dir ? await readStateFromSockets(dir) : undefined;
  } catch (err) {
    noteDenied(err);
    return undefined;
  }
}

/** ROUTER_STATE_COMMANDS asked of the daemons whose vty sockets are in `dir`; throws when one does not answer. */
export async function readStateFromSockets(dir: string): Promise<RouterState> {
  // One connection per daemon, its questions in order (zebra answers both route tables).
  const daemons = [...new Set(ROUTER_STATE_COMMANDS.map((c) => DAEMON_OF[c]))];
  const answers = await Promise.all(
    daemons.map((d) =>
      vtyQuery(
        `${dir}/${d}.vty`,
        ROUTER_STATE_COMMANDS.filter((c) => DAEMON_OF[c] === d),
      ),
    ),
  );
  // Back in ROUTER_STATE_COMMANDS' order, which is how parseRouterState reads them.
  const byCommand = new Map(daemons.flatMap((d, i) => ROUTER_STATE_COMMANDS.filter((c) => DAEMON_OF[c] === d).map((c, j) => [c, answers[i][j]] as const)));
  return parseRouterState(ROUTER_STATE_COMMANDS.map((c) => byCommand.get(c) ?? '').join('\n'));
}

/** A socket refused for lack of privilege (not root): every later query takes the exec path at once. */
export function noteDenied(err: unknown): void {
  const { code } = err as NodeJS.ErrnoException;
  if (code === 'EACCES' || code === 'EPERM') vtyDenied = true;
}

const CONFIG_MARK = '@@anycast-lab-running@@';

/**
 * The policy overrides a router runs: its running config against the frr.conf
 * rendered for it (mounted at /etc/frr), so no file outside the router can go
 * stale. `router` names the router in the result.
 */
export async function readPolicyOverrides(rt: ContainerRuntime, container: string, router: string): Promise<PolicyOverride[]> {
  const { rendered, running } = (await readConfigsOverVty(rt, container)) ?? (await readConfigsViaExec(rt, container));
  return policyOverrides(router, rendered, running);
}

/** Both texts through one exec (cat and vtysh): the way when the router's files and sockets are out of reach. */
async function readConfigsViaExec(rt: ContainerRuntime, container: string): Promise<{ rendered: string; running: string }> {
  const r = await rt.exec(container, ['sh', '-c', `cat /etc/frr/frr.conf; echo ${CONFIG_MARK}; vtysh -c 'show running-config'`], { timeoutMs: 15_000 });
  const [rendered = '', running = ''] = r.stdout.split(CONFIG_MARK);
  if (r.exitCode !== 0 || !running.trim())
    throw new LabError('ROUTER_QUERY', `${container}: cannot read the running config: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
  return { rendered, running };
}

/**
 * frr.conf from the container's root and bgpd's running config from its vty
 * socket, without an exec: `status` reads every router this way, 11 execs of
 * vtysh were ~500 ms of its ~750 ms on 2 cores. The route-maps the overrides
 * live in are bgpd's (vtysh's running config merges the same blocks from
 * every daemon). Undefined whenever that is not possible; the caller execs.
 */
async function readConfigsOverVty(rt: ContainerRuntime, container: string): Promise<{ rendered: string; running: string } | undefined> {
  if (!vtyReachable(rt)) return undefined;
  try {
    const root = await rt.hostPath(container, '');
    if (!root) return undefined;
    const [rendered, [running]] = await Promise.all([readFile(`${root}/etc/frr/frr.conf`, 'utf8'), vtyQuery(`${root}/run/frr/bgpd.vty`, ['write terminal'])]);
    return running.trim() ? { rendered, running } : undefined;
  } catch (err) {
    noteDenied(err);
    return undefined;
  }
}
