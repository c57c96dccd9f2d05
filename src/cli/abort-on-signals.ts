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
