// The failover test's rule for a client's PoP sequence over one trial, as a
// pure function so a unit test can show it refusing what it must refuse
// (test/unit/failback-sequence.test.ts); the integration test applies it to
// real trials (test/integration/failover.test.ts).
import type { FailbackBounce } from '../../../src/experiment/failover-result.js';
import { familyOf } from '../../../src/topology/families.js';
import type { Family } from '../../../src/topology/model.js';

/**
 * Out to the backup and back: [pop, backup, pop]. A failback may bounce once,
 * and only for the reason FRR 8.4 gives it: a session of the PoP, of the
 * family the probes use, came up after the restore and dropped within 50 ms,
 * not on BFD (docs/failover.md, "A failback that bounces once"); then the
 * sequence is [pop, backup, pop, backup, pop]. Anything else going back and
 * forth is refused. Returns why it is refused, or null.
 */
export function failbackSequenceFault(
  sequence: readonly string[],
  pop: string,
  backup: string,
  bounces: readonly FailbackBounce[],
  family: Family,
): string | null {
  const show = sequence.join('→');
  const clean = [pop, backup, pop];
  if (same(sequence, clean)) return null;
  if (!same(sequence, [...clean, backup, pop])) return `PoPs ${show}, expected ${clean.join('→')}`;
  const explained = bounces.filter((b) => familyOf(b.peer) === family && !/BFD/i.test(b.reason));
  return explained.length > 0 ? null : `PoPs ${show}, and no ${family} session of ${pop} came up and dropped at once (other than on BFD)`;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
