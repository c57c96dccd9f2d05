// Waits until the whole lab is converged, with a deadline; on timeout names
// exactly what did not converge.
import pRetry from 'p-retry';
import { ConvergenceError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { containerName } from '../runtime/labels.js';
import type { Lab } from '../topology/model.js';
import { pendingOn } from './frr-state.js';
import type { Progress } from './progress.js';
import { readRouterState } from './router-query.js';

export interface ConvergeOptions {
  timeoutMs: number;
  progress: Progress;
  signal?: AbortSignal;
  /** Only these routers (default: all). */
  routers?: string[];
}

class NotYet extends Error {
  constructor(readonly pending: string[]) {
    super(`${pending.length} things pending`);
  }
}

export async function checkConverged(rt: ContainerRuntime, lab: Lab, routers = lab.routers.map((r) => r.name)): Promise<string[]> {
  const results = await Promise.all(
    routers.map(async (name) => {
      try {
        return pendingOn(lab, name, await readRouterState(rt, containerName(lab.name, name)));
      } catch (err) {
        return [`${name}: cannot query FRR (${(err as Error).message.split('\n')[0]})`];
      }
    }),
  );
  return results.flat();
}

export async function waitConverged(rt: ContainerRuntime, lab: Lab, opts: ConvergeOptions): Promise<void> {
  const started = performance.now();
  const done = new Set<string>();
  let last: string[] = [];
  const routers = opts.routers ?? lab.routers.map((r) => r.name);
  try {
    await pRetry(
      async () => {
        const pending = await checkConverged(rt, lab, routers);
        for (const r of routers) {
          if (!done.has(r) && !pending.some((p) => p.startsWith(`${r}:`))) {
            done.add(r);
            opts.progress.step(r, 'converged', `${done.size}/${routers.length} routers`);
          }
        }
        last = pending;
        if (pending.length) throw new NotYet(pending);
      },
      {
        retries: Number.MAX_SAFE_INTEGER,
        minTimeout: 250,
        maxTimeout: 1000,
        factor: 1.5,
        maxRetryTime: opts.timeoutMs,
        signal: opts.signal,
        shouldRetry: ({ error }) => error instanceof NotYet && performance.now() - started < opts.timeoutMs,
      },
    );
  } catch (err) {
    if (err instanceof NotYet || last.length) {
      const secs = Math.round((performance.now() - started) / 1000);
      throw new ConvergenceError(`lab "${lab.name}" did not converge within ${secs} s:\n  ${last.join('\n  ')}`, last);
    }
    throw err;
  }
}
