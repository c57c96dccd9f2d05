// One picture of a failover trial: time runs left to right (relative to the
// fault), one row per client, every UDP DNS probe a thin bar coloured by the
// PoP that answered. A failover reads as a colour change with a grey/red gap
// in between; its length is written at the end of the row. Pure: data in,
// SVG text out.

import { analyzeClient, type ClientFailover, type RequestKind } from '../experiment/failover-clients.js';
import type { Sample } from '../probe/sample.js';
import type { Family } from '../topology/model.js';
import { formatMs } from '../util/format.js';
import { esc, FONT, PALETTE } from './svg-style.js';

export interface TimelineInput {
  title: string;
  clients: TimelineRow[];
  /** Absent while a live trial has not reached its fault: time then counts from `startMs`, and no row has a verdict. */
  faultMs?: number;
  restoreMs?: number;
  startMs: number;
  endMs: number;
  popColors?: Record<string, string>;
  /** Which probes become bars (default udp-dns: the densest, 100/s). */
  kind?: RequestKind;
  /** The PoP the fault hit, for the per-row verdict. */
  failedPop?: string;
  subtitle?: string;
  /**
   * false: a trial still running (the dashboard's live view), where a verdict
   * would be premature ("never recovered" while BFD is still counting): each
   * row ends with the PoP of its newest answer instead. Default true.
   */
  verdicts?: boolean;
}

/** One row: a client's probes, or one family's of them when a run measured both. */
export interface TimelineRow {
  client: string;
  samples: Sample[];
  /** Precomputed; analyzed from samples if absent. */
  failover?: ClientFailover;
  /** A run that measured both families: the row's family, named after the client (rows without one read as before). */
  family?: Family;
}

const TIMEOUT = '#A0A0A0';
const FAILED = '#D62728';
const FAULT_LINE = '#D62728';
/** Verdicts that are findings, not the expected outcome (magenta is not a PoP colour). */
export const STATUS_COLOR: Partial<Record<ClientFailover['status'], string>> = {
  collateral: '#C2185B',
  flapped: '#C2185B',
  lost: '#D62728',
  'not-moved': '#D62728',
};
const RESTORE_LINE = '#2E7D32';

const W = 1100;
const LEFT = 120;
const RIGHT = 230;
const TOP = 104;
const ROW = 40;
const BAR = 20;
const AXIS = 54;

type Category = { key: string; color: string };

export function renderTimeline(input: TimelineInput): string {
  const kind = input.kind ?? 'udp-dns';
  const { startMs, endMs, faultMs } = input;
  const origin = faultMs ?? startMs;
  const judge = input.verdicts !== false && faultMs !== undefined;
  const span = Math.max(1, endMs - startMs);
  const plotW = W - LEFT - RIGHT;
  const x = (t: number): number => LEFT + ((t - startMs) / span) * plotW;
  const colors = assignColors(input);
  const height = TOP + input.clients.length * ROW + AXIS + 10;
  const plotBottom = TOP + input.clients.length * ROW;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" ${FONT} font-size="12">`,
    `<title>${esc(input.title)}</title>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="16" font-weight="bold">${esc(input.title)}</text>`,
    `<text x="${LEFT}" y="40" fill="#555">${esc(input.subtitle ?? `Each thin bar is one ${kindLabel(kind)} probe, coloured by the PoP that answered it. The bracket under a row spans the failover.`)}</text>`,
  );
  // Fault/restore lines carry their own labels at the top of the plot.
  out.push(legend(colors));

  // Grid and axis first, so bars and lines draw over them.
  const ticks = niceTicks(startMs - origin, endMs - origin, 10);
  out.push('<g class="axis" stroke="#e4e4e4">');
  for (const t of ticks.values) out.push(`<line x1="${f(x(origin + t))}" y1="${TOP - 4}" x2="${f(x(origin + t))}" y2="${plotBottom}"/>`);
  out.push('</g>');
  out.push(`<g class="axis-labels" fill="#333" text-anchor="middle">`);
  out.push(`<line x1="${LEFT}" y1="${plotBottom}" x2="${LEFT + plotW}" y2="${plotBottom}" stroke="#333"/>`);
  for (const t of ticks.values) {
    const tx = f(x(origin + t));
    out.push(`<line x1="${tx}" y1="${plotBottom}" x2="${tx}" y2="${plotBottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${tx}" y="${plotBottom + 18}">${ticks.format(t)}</text>`);
  }
  out.push(
    `<text x="${f(LEFT + plotW / 2)}" y="${plotBottom + 40}">${esc(`time since the ${faultMs === undefined ? 'first probe' : 'fault'} (${ticks.unit}), when each probe was sent`)}</text>`,
  );
  out.push('</g>');

  input.clients.forEach((c, i) => {
    const y = TOP + i * ROW;
    const barY = y + (ROW - BAR) / 2;
    const fo = judge ? (c.failover ?? analyzeClient(c.samples, { faultMs, restoreMs: input.restoreMs, kind, failedPop: input.failedPop })) : undefined;
    const now = fo ? undefined : newestPop(c.samples, kind);
    const family = c.family ? ` data-family="${c.family}"` : '';
    out.push(`<g class="row" data-client="${esc(c.client)}"${family} ${fo ? `data-status="${fo.status}"` : `data-now="${esc(now ?? '')}"`}>`);
    const tone = fo && STATUS_COLOR[fo.status];
    // The family after the name, lighter: `c-de ipv4` above `c-de ipv6`.
    const tag = c.family ? ` <tspan font-weight="normal" fill="${tone ?? '#555'}">${c.family}</tspan>` : '';
    out.push(
      `<text x="${LEFT - 10}" y="${f(barY + BAR / 2 + 4)}" text-anchor="end" font-weight="bold"${tone ? ` fill="${tone}"` : ''}>${esc(c.client)}${tag}</text>`,
    );
    out.push(`<rect x="${LEFT}" y="${f(barY)}" width="${plotW}" height="${BAR}" fill="#f4f4f4"/>`);
    for (const run of runs(c.samples, kind, startMs, endMs, colors)) {
      const x0 = x(run.from);
      const w = Math.max(1, x(run.to) - x0);
      out.push(`<rect x="${f(x0)}" y="${f(barY)}" width="${f(w)}" height="${BAR}" fill="${run.color}"><title>${esc(run.title)}</title></rect>`);
    }
    // A bracket under the bar from the last old-PoP answer to the first new one.
    if (fo && fo.lastOldMs !== null && fo.firstNewMs !== null && fo.failoverMs !== null) {
      const bx0 = f(x(Math.max(startMs, fo.lastOldMs)));
      const bx1 = f(x(Math.min(endMs, fo.firstNewMs)));
      const by = f(barY + BAR + 4);
      out.push(`<path d="M${bx0},${f(barY + BAR + 1)} V${by} H${bx1} V${f(barY + BAR + 1)}" fill="none" stroke="#222" stroke-width="1.2"/>`);
    }
    const [main, sub] = fo ? verdict(fo) : [`now: ${now === undefined ? 'no probe yet' : (now ?? 'no answer')}`];
    // A client the fault should not have touched but did gets its own colour: row frame, name and verdict.
    if (tone) out.push(`<rect x="${LEFT - 2}" y="${f(barY - 2)}" width="${plotW + 4}" height="${BAR + 4}" fill="none" stroke="${tone}" stroke-width="2"/>`);
    out.push(`<text x="${LEFT + plotW + 10}" y="${f(barY + 9)}" font-weight="bold"${tone ? ` fill="${tone}"` : ''}>${esc(main)}</text>`);
    if (sub) out.push(`<text x="${LEFT + plotW + 10}" y="${f(barY + 23)}" fill="#555" font-size="11">${esc(sub)}</text>`);
    out.push('</g>');
  });

  if (faultMs !== undefined) out.push(markerLine(x(faultMs), 'fault', FAULT_LINE, plotBottom));
  if (input.restoreMs !== undefined && input.restoreMs >= startMs && input.restoreMs <= endMs) {
    out.push(markerLine(x(input.restoreMs), 'restore', RESTORE_LINE, plotBottom));
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The PoP of the newest sent probe that resolved (null: it failed), undefined before the first. */
function newestPop(samples: Sample[], kind: RequestKind): string | null | undefined {
  let best: Sample | undefined;
  for (const s of samples) if (s.kind === kind && (!best || s.sentMs > best.sentMs)) best = s;
  return best && (best.outcome === 'ok' ? (best.pop ?? null) : null);
}

/** Two lines at the end of a row: the verdict, and the detail. */
function verdict(fo: ClientFailover): [string, string?] {
  const ms = (v: number | null | undefined): string => formatMs(v, '?');
  switch (fo.status) {
    case 'moved': {
      const back = fo.failbackMs === undefined ? '' : fo.failbackMs === null ? ', never back' : `, back after ${ms(fo.failbackMs)}`;
      return [`failover ${ms(fo.failoverMs)}`, `${fo.fromPop} → ${fo.toPop}${back}`];
    }
    case 'stayed-ok':
      return ['unaffected', `stayed on ${fo.fromPop}`];
    case 'collateral':
      return [
        fo.popChanges > 0 ? `collateral: moved to ${fo.toPop}` : `collateral: outage ${ms(fo.outageMs)}`,
        `was on ${fo.fromPop}, not the failed PoP; ${fo.lostProbes} lost`,
      ];
    case 'flapped':
      return [`flapped: ${fo.popChanges} changes`, fo.popSequence.join(' → ')];
    case 'not-moved':
      return [`no failover, outage ${ms(fo.outageMs)}`, `stayed on ${fo.fromPop}`];
    case 'lost':
      return ['never recovered', `no answer after the fault (was on ${fo.fromPop})`];
    case 'no-baseline':
      return ['no answer before fault'];
  }
}

function markerLine(px: number, label: string, color: string, bottom: number): string {
  const xs = f(px);
  return [
    `<g class="marker" data-marker="${label}">`,
    `<line x1="${xs}" y1="${TOP - 12}" x2="${xs}" y2="${bottom}" stroke="${color}" stroke-width="2" stroke-dasharray="6 3"/>`,
    `<text x="${xs}" y="${TOP - 16}" fill="${color}" text-anchor="middle" font-weight="bold">${label}</text>`,
    '</g>',
  ].join('\n');
}

function legend(colors: Map<string, string>): string {
  const items: string[] = [];
  let lx = LEFT;
  const y = 50;
  const swatch = (color: string, label: string): void => {
    items.push(`<rect x="${lx}" y="${y}" width="14" height="12" fill="${color}" stroke="#999" stroke-width="0.5"/>`);
    items.push(`<text x="${lx + 19}" y="${y + 10}">${esc(label)}</text>`);
    lx += 19 + label.length * 6.6 + 18;
  };
  for (const [pop, color] of colors) swatch(color, `answered by ${pop}`);
  swatch(TIMEOUT, 'timeout');
  swatch(FAILED, 'refused / unreachable / error');
  swatch('#f4f4f4', 'no probe');
  return `<g class="legend">\n${items.join('\n')}\n</g>`;
}

function assignColors(input: TimelineInput): Map<string, string> {
  const pops = new Set<string>();
  for (const c of input.clients) for (const s of c.samples) if (s.pop && s.outcome === 'ok') pops.add(s.pop);
  const given = input.popColors ?? {};
  const free = PALETTE.filter((p) => !Object.values(given).includes(p));
  const colors = new Map<string, string>();
  let i = 0;
  for (const pop of [...pops].sort()) colors.set(pop, given[pop] ?? free[i++ % free.length]);
  return colors;
}

interface Run {
  from: number;
  to: number;
  color: string;
  title: string;
}

/**
 * Consecutive probes with the same result become one rectangle: a 10 s trial
 * is 1000 probes per client, and one rect each makes a heavy file that shows
 * nothing more. A run breaks where probes are missing (> 2.5 intervals apart).
 */
function runs(samples: Sample[], kind: RequestKind, startMs: number, endMs: number, colors: Map<string, string>): Run[] {
  const ps = samples.filter((s) => s.kind === kind && s.sentMs >= startMs && s.sentMs <= endMs).sort((a, b) => a.sentMs - b.sentMs);
  const interval = medianStep(ps.map((s) => s.sentMs));
  const category = (s: Sample): Category =>
    s.outcome === 'ok' && s.pop
      ? { key: `pop ${s.pop}`, color: colors.get(s.pop) ?? '#000' }
      : s.outcome === 'timeout'
        ? { key: 'timeout', color: TIMEOUT }
        : { key: s.outcome, color: FAILED };
  const out: Run[] = [];
  let cur: (Run & { key: string; n: number; last: number }) | undefined;
  for (const s of ps) {
    const c = category(s);
    if (cur && cur.key === c.key && s.sentMs - cur.last <= interval * 2.5) {
      cur.last = s.sentMs;
      cur.n++;
      continue;
    }
    if (cur) out.push(close(cur, interval));
    cur = { from: s.sentMs, to: s.sentMs, last: s.sentMs, color: c.color, key: c.key, n: 1, title: c.key };
  }
  if (cur) out.push(close(cur, interval));
  return out;
}

function close(r: Run & { key: string; n: number; last: number }, interval: number): Run {
  return { from: r.from, to: r.last + interval, color: r.color, title: `${r.key}: ${r.n} probe${r.n === 1 ? '' : 's'}` };
}

function medianStep(times: number[]): number {
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) d.push(times[i] - times[i - 1]);
  d.sort((a, b) => a - b);
  return d.length ? Math.max(d[Math.floor(d.length / 2)], 0.001) : 10;
}

/** Ticks at 1/2/5 × 10^k, about `target` of them, labelled in ms or s. */
export function niceTicks(from: number, to: number, target: number): { values: number[]; unit: 'ms' | 's'; format: (t: number) => string } {
  const raw = Math.max(1e-9, (to - from) / target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const values: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) values.push(Math.round(t * 1e6) / 1e6);
  const unit = to - from > 4000 ? 's' : 'ms';
  const decimals = unit === 's' ? Math.max(0, -Math.floor(Math.log10(step / 1000))) : 0;
  const format = (t: number): string => {
    const v = unit === 's' ? (t / 1000).toFixed(decimals) : String(Math.round(t));
    return t > 0 ? `+${v}` : t < 0 ? v.replace('-', '−') : '0';
  };
  return { values, unit, format };
}

const kindLabel = (k: RequestKind): string => ({ 'udp-dns': 'UDP DNS', 'tcp-dns': 'TCP DNS', http: 'HTTP' })[k];
const f = (n: number): string => (Math.round(n * 10) / 10).toString();
