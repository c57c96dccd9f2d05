// How a flood reads to a person: one line per second while it runs, and the
// per-PoP and per-sender tables at the end. Pure.

import type { FloodResult, FloodTick } from '../experiment/flood.js';
import { formatTable } from '../util/format.js';

/** `t=3s fra 412 q/s 23% | iad 0 q/s 2% | …` (`-` until a PoP has two samples). */
export function floodTickLine(t: FloodTick): string {
  const v = (x: number | null, unit: string) => (x === null ? '-' : `${x}${unit}`);
  return `t=${t.t}s ${t.pops.map((p) => `${p.pop} ${v(p.qps, ' q/s')} ${v(p.cpuPct, '%')}`).join(' | ')}`;
}

const table = (head: string[], rows: string[][], right: boolean[]): string[] =>
  formatTable(
    head,
    rows,
    right.map((r) => (r ? 'r' : 'l')),
    { rule: false },
  ).split('\n');

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function renderFloodReport(r: FloodResult): string {
  const total = r.senders.length * r.qpsPerSender;
  const lines = [
    `lab ${r.lab}: ${r.senders.join(', ')} → ${r.dnsAddress}, ${r.qpsPerSender} q/s each for ${r.seconds} s (${total} q/s in all; cap ${r.caps.totalQps} q/s, ${r.caps.seconds} s)`,
  ];
  if (r.drain) {
    const d = r.drain;
    lines.push(
      d.error
        ? `drain of ${d.pop} at t=${d.atS}s FAILED: ${d.error}`
        : `drained ${d.pop} at t=${d.drainedAtS ?? '?'}s (asked for ${d.atS}s), announced again at t=${d.undrainedAtS ?? '?'}s`,
    );
  }
  lines.push(
    '',
    'measured at the PoPs (responder counters; CPU = the container, % of one core):',
    ...table(
      ['pop', 'queries', 'mean q/s', 'peak q/s', 'mean CPU %', 'share', 'lab file expects'],
      r.pops.map((p) => [
        p.pop,
        int(p.queries),
        p.meanQps.toFixed(1),
        int(p.peakQps),
        p.meanCpuPct === null ? '-' : p.meanCpuPct.toFixed(1),
        pct(p.share),
        p.expectedFrom.join(', ') || '-',
      ]),
      [false, true, true, true, true, true, false],
    ),
    '',
    'sent from the clients (dnsperf):',
    ...table(
      ['client', 'eyeball', 'sent', 'completed', 'lost', 'avg ms', 'q/s'],
      r.results.map((s) =>
        s.summary
          ? [
              s.client,
              s.eyeball,
              int(s.summary.sent),
              int(s.summary.completed),
              int(s.summary.lost),
              s.summary.latency.avgMs.toFixed(2),
              s.summary.qps.toFixed(1),
            ]
          : [s.client, s.eyeball, '-', '-', '-', '-', `FAILED: ${s.error ?? ''}`],
      ),
      [false, false, true, true, true, true, false],
    ),
    '',
    '"lab file expects": the senders whose expect.pop is that PoP (their catchment while every PoP announces).',
    `Each PoP also counts its own health check, one query every ${r.healthIntervalMs} ms (${int(1000 / r.healthIntervalMs)} q/s at rest).`,
  );
  return lines.join('\n');
}
