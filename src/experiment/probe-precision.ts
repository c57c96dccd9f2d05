// How well a probe agent kept its schedule: the precision behind every
// failover number (a late or skipped probe widens the gaps we measure). Pure.
import type { ProbeKind, Sample } from '../contract/sample.js';
import { seqGaps } from './series.js';
import { type Stats, summarize } from './stats.js';

export interface ProbePrecision {
  client: string;
  kind: ProbeKind;
  samples: number;
  /** Samples per second between the first and the last sent. */
  achievedPerS: number;
  expectedPerS: number | null;
  /** Request kinds: schedule slots with no sample (skipped or lost). Streams: server seq gaps. */
  missing: number;
  /** Request kinds with a known interval: how late probes left against their slot. */
  lateP95Ms: number | null;
  lateMaxMs: number | null;
}

/** How well the agent kept its schedule, per client and kind. */
export function probePrecision(samples: Sample[], intervalMs: Partial<Record<ProbeKind, number>> = {}): ProbePrecision[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.client}\u0000${s.kind}`;
    const g = groups.get(key) ?? [];
    g.push(s);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const { client, kind } = g[0];
    const interval = intervalMs[kind];
    const sorted = [...g].sort((a, b) => a.sentMs - b.sentMs);
    const spanS = (sorted[sorted.length - 1].sentMs - sorted[0].sentMs) / 1000;
    let missing: number;
    let late: Stats | null = null;
    if (kind === 'stream') {
      const byConn = new Map<string, number[]>();
      for (const s of g) {
        if (s.serverSeq === undefined) continue;
        const k = `${s.stream}/${s.conn}`;
        byConn.set(k, [...(byConn.get(k) ?? []), s.serverSeq]);
      }
      missing = [...byConn.values()].reduce((n, seqs) => n + seqGaps(seqs), 0);
    } else {
      missing = seqGaps(g.map((s) => s.seq));
      if (interval) {
        // Lateness against the grid anchored at the earliest-leaving probe.
        const offsets = g.map((s) => s.sentMs - s.seq * interval);
        const anchor = Math.min(...offsets);
        late = summarize(offsets.map((o) => o - anchor));
      }
    }
    return {
      client,
      kind,
      samples: g.length,
      achievedPerS: spanS > 0 ? (g.length - 1) / spanS : 0,
      expectedPerS: interval ? 1000 / interval : null,
      missing,
      lateP95Ms: late?.p95 ?? null,
      lateMaxMs: late?.max ?? null,
    };
  });
}
