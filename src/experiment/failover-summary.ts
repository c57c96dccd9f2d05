// Aggregates failover trials: per-trial client rows in, distributions and
// measured/bound ratios out. Pure, so the numbers are unit-tested.
import type { Bound } from './failover-bounds.js';
import { CLIENT_STATUSES, type ClientFailover, type ClientStatus } from './failover-clients.js';
import { type Stats, summarize } from './stats.js';

/** One client in one trial: its verdict's fields that the summary counts. */
export interface TrialClientRow
  extends Pick<
    ClientFailover,
    'client' | 'status' | 'fromPop' | 'toPop' | 'failoverMs' | 'detectMs' | 'outageMs' | 'maxGapMs' | 'lostProbes' | 'maxLostRun' | 'popChanges' | 'popSequence'
  > {
  /** The client was on the failed PoP at the fault: it is expected to move. */
  affected: boolean;
}

export interface FailoverSummary {
  trials: number;
  /** Affected client-trials, and how many of them moved. */
  affected: number;
  moved: number;
  failoverMs: Stats;
  detectMs: Stats;
  outageMs: Stats;
  lostProbes: Stats;
  failbackMs: Stats;
  /** Every client-trial (movers and the rest) by verdict. */
  statuses: Record<ClientStatus, number>;
  /** Clients not expected to move: their longest outage, over every trial. */
  nonMoverOutageMs: Stats;
  perClient: Record<string, { failoverMs: Stats; detectMs: Stats; outageMs: Stats }>;
  bound: Bound;
  /** measured / bound for failoverMs p50, p95, max (null when the bound is not finite). */
  ratio: { p50: number | null; p95: number | null; max: number | null };
}

export function summarizeFailover(trials: { clients: (TrialClientRow & { failbackMs?: number | null })[] }[], bound: Bound): FailoverSummary {
  const all = trials.flatMap((t) => t.clients);
  const rows = all.filter((c) => c.affected);
  const statuses = Object.fromEntries(CLIENT_STATUSES.map((k) => [k, all.filter((c) => c.status === k).length])) as Record<ClientStatus, number>;
  const moved = rows.filter((r) => r.status === 'moved');
  const nums = (xs: (number | null | undefined)[]) => xs.filter((v): v is number => typeof v === 'number');
  const failoverMs = summarize(nums(moved.map((r) => r.failoverMs)));
  const perClient: FailoverSummary['perClient'] = {};
  for (const client of [...new Set(rows.map((r) => r.client))].sort()) {
    const mine = moved.filter((r) => r.client === client);
    perClient[client] = {
      failoverMs: summarize(nums(mine.map((r) => r.failoverMs))),
      detectMs: summarize(nums(mine.map((r) => r.detectMs))),
      outageMs: summarize(nums(mine.map((r) => r.outageMs))),
    };
  }
  const ratio = (v: number | null) => (v === null || !Number.isFinite(bound.ms) || bound.ms <= 0 ? null : Math.round((v / bound.ms) * 1000) / 1000);
  return {
    trials: trials.length,
    affected: rows.length,
    moved: moved.length,
    failoverMs,
    detectMs: summarize(nums(moved.map((r) => r.detectMs))),
    outageMs: summarize(nums(rows.map((r) => r.outageMs))),
    lostProbes: summarize(rows.map((r) => r.lostProbes)),
    failbackMs: summarize(nums(moved.map((r) => r.failbackMs))),
    statuses,
    nonMoverOutageMs: summarize(nums(all.filter((c) => !c.affected).map((c) => c.outageMs))),
    perClient,
    bound,
    ratio: { p50: ratio(failoverMs.p50), p95: ratio(failoverMs.p95), max: ratio(failoverMs.max) },
  };
}
