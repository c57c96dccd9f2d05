import { LabError } from '../errors.js';

export interface AbortOnSignalsOptions {
  /** Printed on stderr at the first Ctrl-C (what is being undone). */
  notice?: string;
  /** A second Ctrl-C leaves at once (exit 130) instead of waiting for the clean-up. */
  secondExits?: boolean;
}

/**
 * Ctrl-C (or SIGTERM) aborts the returned signal with an INTERRUPTED error
 * (exit 130) saying `message`; the runner's `finally` undoes what it did
 * (a fault, a BFD setting, a drain, what `up` created) before we exit.
 */
export function abortOnSignals(message: string, o: AbortOnSignalsOptions = {}): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSig = () => {
    if (ac.signal.aborted) {
      if (o.secondExits) process.exit(130);
      return;
    }
    if (o.notice) process.stderr.write(`\n${o.notice}\n`);
    ac.abort(new LabError('INTERRUPTED', message));
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    },
  };
}

/**
 * Runs `work` with a signal that Ctrl-C aborts, and stops listening when it
 * ends. Whatever `work` was doing when the signal came fails in its own words
 * (a cancelled exec, a closed stream); the reason reported is the
 * interruption itself (INTERRUPTED, exit 130), after `work`'s own `finally`
 * has undone what it did.
 */
export async function whileAbortable<T>(message: string, o: AbortOnSignalsOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = abortOnSignals(message, o);
  try {
    return await work(abort.signal);
  } catch (err) {
    if (abort.signal.aborted) throw abort.signal.reason;
    throw err;
  } finally {
    abort.dispose();
  }
}
