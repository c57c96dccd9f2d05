// Waits until the whole lab is converged, with a deadline; on timeout names
// exactly what did not converge.
import pRetry from 'p-retry';
import { ConvergenceError } from '../errors.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { hold } from '../util/wait.js';
import { type PendingKind, pendingKind, pendingOn, type RouterState } from './frr-state.js';
import type { Progress } from './progress.js';
import { readRouterState } from './router-query.js';

export interface ConvergeOptions {
  timeoutMs: number;
  progress: Progress;
  signal?: AbortSignal;
  /** Only these routers (default: all). */
  routers?: string[];
  /**
   * Once every router has converged, ask all of them once more (a late flap
   * elsewhere puts a router back). Default true; `up` confirms in parallel
   * with asking the clients instead.
   */
  confirm?: boolean;
  /**
   * What each router reported a moment ago (`up`'s FRR-ready check reads it
   * in the same exec): the first look, so a router already converged is not
   * asked again before the confirming pass.
   */
  initial?: Map<string, RouterState>;
  /** Called once, at the first look where no router lacks a route (BFD may still be coming up): clients can be asked from then on. */
  onRoutes?: () => void;
}

/** A poll slower than this went through exec and vtysh (~70 ms each, idle). */
const SLOW_POLL_MS = 50;
const SLOW_POLL_PAUSE_MS = 200;

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

/**
 * ms from the start of the wait until nothing of that kind was pending any
 * more; `polls`: how many looks it took (initial states not counted);
 * `fullPass`: the last look asked every router at once, so nothing can have
 * flapped unseen since an earlier look.
 */
export type ConvergeTimes = Record<PendingKind, number> & { polls: number; fullPass: boolean };

export async function waitConverged(rt: ContainerRuntime, lab: Lab, opts: ConvergeOptions): Promise<ConvergeTimes> {
  const started = performance.now();
  const done = new Set<string>();
  const times: Partial<Record<PendingKind, number>> = {};
  let polls = 0;
  let fullPass = false;
  let last: string[] = [];
  const routers = opts.routers ?? lab.routers.map((r) => r.name);
  const seen = new Set<string>();
  // Looks at what `ask` reported; true when nothing is pending anywhere.
  const look = (ask: string[], pending: string[]): boolean => {
    for (const r of ask) {
      seen.add(r);
      const bad = pending.some((p) => p.startsWith(`${r}:`));
      if (bad) done.delete(r);
      else if (!done.has(r)) {
        done.add(r);
        opts.progress.step(r, 'converged', `${done.size}/${routers.length} routers`);
      }
    }
    // Routers not asked were converged at their last look, so what is
    // pending is what the asked ones report, once every router was looked at.
    last = pending;
    if (seen.size < routers.length) return false;
    // A kind counts as done at the first look where none of it is pending
    // (a later flap does not move it back: this is a breakdown, not a gate).
    for (const kind of ['bgp', 'bfd', 'route'] as const) {
      if (times[kind] === undefined && !pending.some((p) => pendingKind(p) === kind)) {
        times[kind] = Math.round(performance.now() - started);
        if (kind === 'route') opts.onRoutes?.();
      }
    }
    return pending.length === 0;
  };
  const known = routers.flatMap((r) => {
    const state = opts.initial?.get(r);
    return state ? [{ r, state }] : [];
  });
  const settled =
    known.length > 0 &&
    look(
      known.map((k) => k.r),
      known.flatMap((k) => pendingOn(lab, k.r, k.state)),
    );
  try {
    if (!settled || opts.confirm !== false)
      await pRetry(
        async () => {
          // Only routers not yet converged are asked; once all have been, one
          // full pass confirms (a late flap elsewhere puts a router back). Each
          // question goes to the router's daemons over their vty sockets, or,
          // where those are out of reach, costs an exec and a vtysh start.
          const ask = done.size === routers.length ? routers : routers.filter((r) => !done.has(r));
          const t = performance.now();
          const pending = await checkConverged(rt, lab, ask);
          polls++;
          fullPass = ask.length === routers.length;
          const clean = look(ask, pending);
          if (clean && !fullPass && opts.confirm !== false) throw new NotYet([]); // confirm with a full pass
          if (!clean) {
            // Read through exec and vtysh (vty sockets out of reach): such a
            // poll costs real CPU, so the next one waits longer.
            if (performance.now() - t > SLOW_POLL_MS) await hold(SLOW_POLL_PAUSE_MS, opts.signal);
            throw new NotYet(pending);
          }
        },
        {
          retries: Number.MAX_SAFE_INTEGER,
          // A poll over the daemons' vty sockets costs a few ms of their CPU.
          minTimeout: 100,
          maxTimeout: 300,
          factor: 1.3,
          maxRetryTime: opts.timeoutMs,
          signal: opts.signal,
          shouldRetry: ({ error }) => error instanceof NotYet && performance.now() - started < opts.timeoutMs,
        },
      );
    return { bgp: times.bgp ?? 0, bfd: times.bfd ?? 0, route: times.route ?? 0, polls, fullPass };
  } catch (err) {
    if ((err instanceof NotYet && err.pending.length) || last.length) {
      const secs = Math.round((performance.now() - started) / 1000);
      throw new ConvergenceError(`lab "${lab.name}" did not converge within ${secs} s:\n  ${last.join('\n  ')}`, last);
    }
    throw err;
  }
}
