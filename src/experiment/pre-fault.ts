// Whether a trial may inject its fault: what the trial's own probes saw in the
// pre-fault window, not the baseline check made seconds before they started.
// Between the two a session can drop (a failback not yet stable, a BFD flap
// at a tight setting): a trial faulted then starts with a mover already moved.

import { familyOf, type Sample } from '../contract/sample.js';
import { LabError } from '../errors.js';
import type { Family } from '../topology/model.js';

/** The trial did not inject: the probes saw the lab off its baseline just before the fault. */
export class OffBaselineError extends LabError {
  constructor(readonly problems: string[]) {
    super('EXPERIMENT', `not at baseline before the fault:\n  ${problems.join('\n  ')}`);
    this.name = 'OffBaselineError';
  }
}

/**
 * What keeps the window `[fromMs, toMs]` (probe clock) from being a baseline:
 * per client and family, no UDP answer in it, or an answer from another PoP
 * than the baseline's. Empty when every client was answered, and only by its
 * baseline PoP, throughout.
 */
export function preFaultDrift(
  samples: (client: string) => readonly Sample[],
  pairs: readonly (readonly [string, Family])[],
  baseline: Record<Family, Record<string, string | null>>,
  w: { fromMs: number; toMs: number },
): string[] {
  const dual = new Set(pairs.map(([, f]) => f)).size > 1;
  const problems: string[] = [];
  for (const [client, family] of pairs) {
    const who = dual ? `${client} (${family})` : client;
    const answers = samples(client).filter(
      (x) => x.kind === 'udp-dns' && x.outcome === 'ok' && familyOf(x) === family && x.recvMs !== undefined && x.sentMs >= w.fromMs && x.recvMs <= w.toMs,
    );
    const expected = baseline[family]?.[client] ?? null;
    const other = expected === null ? undefined : answers.find((x) => x.pop !== expected);
    const before = (ms: number) => `${((w.toMs - ms) / 1000).toFixed(1)} s before the fault`;
    if (answers.length === 0) problems.push(`${who}: no answer in the ${Math.round(w.toMs - w.fromMs)} ms before the fault`);
    else if (other) problems.push(`${who}: answered by ${other.pop ?? '?'} ${before(other.recvMs ?? w.toMs)} (baseline ${expected})`);
  }
  return problems;
}
