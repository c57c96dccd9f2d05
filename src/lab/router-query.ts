// Asks FRR inside a router container, through vtysh. The only place that
// knows the command strings; callers get parsed state.
import { LabError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { parseRouterState, ROUTER_STATE_COMMANDS, type RouterState } from './frr-state.js';

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
