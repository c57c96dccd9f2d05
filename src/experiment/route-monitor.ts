// `ip -ts monitor route` in a router's namespace, started before a fault: the
// kernel's own timestamp of the moment the best path to the anycast prefix
// changed in the FIB (zebra logs no such line at informational level).
import { randomBytes } from 'node:crypto';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface RouteMonitor {
  node: string;
  /** Ends the monitor and returns everything it printed. */
  stop(): Promise<string>;
}

export async function startRouteMonitor(rt: ContainerRuntime, node: string, container: string, maxMs: number): Promise<RouteMonitor> {
  // A unique argv[0] lets `pkill -f` end exactly this monitor; `timeout`
  // ends it anyway if we never get to (and passes SIGTERM on to ip).
  const tag = `al-routemon-${randomBytes(5).toString('hex')}`;
  const secs = Math.max(1, Math.ceil(maxMs / 1000));
  const s = await rt.execStream(container, ['bash', '-c', `exec -a ${tag} timeout ${secs} ip -ts monitor route`]);
  let out = '';
  s.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  s.stderr.resume();
  return {
    node,
    async stop() {
      await rt.exec(container, ['pkill', '-TERM', '-f', tag], { timeoutMs: 10_000 }).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([s.done.catch(() => -1), new Promise((r) => (timer = setTimeout(r, 3_000)))]).finally(() => clearTimeout(timer));
      return out;
    },
  };
}

/** The tail of a router's FRR log (microsecond timestamps, see render/frr-config.ts). */
export async function readFrrLog(rt: ContainerRuntime, container: string, lines = 400): Promise<string> {
  const r = await rt.exec(container, ['tail', '-n', String(lines), '/var/log/frr/frr.log'], { timeoutMs: 10_000 }).catch(() => undefined);
  return r?.stdout ?? '';
}
