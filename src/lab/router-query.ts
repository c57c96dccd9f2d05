// Asks FRR inside a router container, through vtysh. The only place that
// knows the command strings; callers get parsed state.
import type { ContainerRuntime } from '../runtime/runtime.js';
import { parseBfdPeers, parseBgpSummary, parseInstalledRoutes, type RouterState } from './frr-state.js';

export async function vtysh(rt: ContainerRuntime, container: string, ...commands: string[]): Promise<string> {
  const args = commands.flatMap((c) => ['-c', c]);
  const r = await rt.exec(container, ['vtysh', ...args], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new Error(`vtysh ${commands.join(' ; ')} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export async function readRouterState(rt: ContainerRuntime, container: string): Promise<RouterState> {
  // One exec, three JSON documents separated by a marker: exec round-trips
  // dominate the polling cost.
  const marker = '@@anycast-lab@@';
  const script = `vtysh -c 'show bgp summary json'; echo ${marker}; vtysh -c 'show bfd peers json'; echo ${marker}; vtysh -c 'show ip route json'`;
  const r = await rt.exec(container, ['sh', '-c', script], { timeoutMs: 15_000 });
  const [bgp = '', bfd = '', routes = ''] = r.stdout.split(marker);
  return { bgp: safe(() => parseBgpSummary(bgp), []), bfd: safe(() => parseBfdPeers(bfd), []), routes: safe(() => parseInstalledRoutes(routes), []) };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    // FRR prints nothing (or a non-JSON banner) while its daemons start.
    return fallback;
  }
}
