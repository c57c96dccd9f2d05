// Waiting with a deadline: every wait in the experiment goes through here, so
// none can hang a run, and an AbortSignal ends it between polls.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  /** Poll period (default 50 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
}

/**
 * Polls `check` until it returns a value other than undefined/false, or the
 * deadline passes. Resolves with that value, or with undefined on timeout: the
 * caller decides whether a timeout is an error (a client that never moved is a
 * result, not a crash).
 */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T | undefined> {
  const now = opts.now ?? (() => performance.now());
  const deadline = now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const v = await check();
    if (v !== undefined && v !== false) return v;
    const left = deadline - now();
    if (left <= 0) return undefined;
    await delay(Math.min(opts.intervalMs ?? 50, left), undefined, { signal: opts.signal });
  }
}

/** A measurement window (pre-fault, hold): a deliberate pause that still honours the signal. */
export async function hold(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms > 0) await delay(ms, undefined, { signal });
}
