// Plain-text results for the console: one line per client, then the spread
// and how it compares with what the timers promise. Pure: returns a string.

import type { ClientFailover } from '../experiment/failover-clients.js';
import { type Stats, summarize } from '../experiment/stats.js';
import { type Align, formatMs, formatTable } from '../util/format.js';

export interface FailoverTableInput {
  title?: string;
  results: ClientFailover[];
  /** Theoretical detection bound and how it was derived, e.g. "BFD 100 ms × 3". */
  bound?: { ms: number; basis: string };
}

export function renderFailoverTable(input: FailoverTableInput): string {
  const header = ['client', 'from', 'to', 'status', 'detect', 'failover', 'outage', 'lost', 'failback'];
  const align: Align[] = ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'];
  const rows = input.results.map((r) => [
    r.client,
    r.fromPop ?? '-',
    r.toPop ?? '-',
    r.status,
    ms(r.detectMs),
    ms(r.failoverMs),
    ms(r.outageMs),
    String(r.lostProbes),
    r.failbackMs === undefined ? '' : r.failbackMs === null ? 'never' : ms(r.failbackMs),
  ]);
  const lines: string[] = [];
  if (input.title) lines.push(input.title, '');
  lines.push(formatTable(header, rows, align));

  const moved = input.results.filter((r) => r.status === 'moved');
  const failover = summarize(moved.map((r) => r.failoverMs).filter((v): v is number => v !== null));
  const detect = summarize(moved.map((r) => r.detectMs).filter((v): v is number => v !== null));
  const counts = countBy(input.results.map((r) => r.status));
  lines.push('');
  lines.push(
    `clients: ${input.results.length} (${Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')})`,
  );
  lines.push(`failover ${statsLine(failover)}`);
  lines.push(`detect   ${statsLine(detect)}`);
  if (input.bound) {
    const b = input.bound;
    const ratio = (v: number | null): string => (v === null || !Number.isFinite(b.ms) || b.ms <= 0 ? '-' : `${(v / b.ms).toFixed(2)}×`);
    lines.push(`bound    ${ms(b.ms)} (${b.basis}); measured/bound: p50 ${ratio(failover.p50)}, max ${ratio(failover.max)}`);
  }
  lines.push('(nearest-rank percentiles; failover = last answer from the old PoP → first from the new one)');
  return `${lines.join('\n')}\n`;
}

const statsLine = (s: Stats): string =>
  s.n === 0 ? 'n=0' : `n=${s.n}  p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  min ${ms(s.min)}  mean ${ms(s.mean)}`;

const ms = formatMs;

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
