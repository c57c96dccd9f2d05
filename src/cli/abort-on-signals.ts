import { LabError } from '../errors.js';

/** Aborts on Ctrl-C so the runner's `finally` restores the fault and the BFD setting before we exit. */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSig = () => ac.abort(new LabError('EXPERIMENT', 'interrupted; fault restored'));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    },
  };
}
