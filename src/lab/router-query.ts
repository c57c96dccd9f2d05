// Asks FRR inside a router container, through vtysh. The only place that
// knows the command strings; callers get parsed state.
import { LabError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { parseRouterState, ROUTER_STATE_COMMANDS, type RouterState } from './frr-state.js';
import { type PolicyOverride, policyOverrides } from './policy-overrides.js';

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

export async function readRouterState(rt: ContainerRuntime, container: string): Promise<RouterState> {
  // One exec and one vtysh for all three documents: exec round-trips and
  // vtysh start-up (it builds its whole command tree) dominate polling cost.
  const r = await rt.exec(container, ['vtysh', ...ROUTER_STATE_COMMANDS.flatMap((c) => ['-c', c])], { timeoutMs: 15_000 });
  return parseRouterState(r.stdout);
}

const CONFIG_MARK = '@@anycast-lab-running@@';

/**
 * The policy overrides a router runs: its running config against the frr.conf
 * rendered for it (mounted at /etc/frr), so no file outside the router can go
 * stale. `router` names the router in the result.
 */
export async function readPolicyOverrides(rt: ContainerRuntime, container: string, router: string): Promise<PolicyOverride[]> {
  const r = await rt.exec(container, ['sh', '-c', `cat /etc/frr/frr.conf; echo ${CONFIG_MARK}; vtysh -c 'show running-config'`], { timeoutMs: 15_000 });
  const [rendered = '', running = ''] = r.stdout.split(CONFIG_MARK);
  if (r.exitCode !== 0 || !running.trim())
    throw new LabError('ROUTER_QUERY', `${container}: cannot read the running config: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`);
  return policyOverrides(router, rendered, running);
}
