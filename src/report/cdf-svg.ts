// The distribution of failover times as an empirical CDF: one step line per
// series (a fault mode and BFD setting), the bound as a dashed vertical line.
// A CDF, not a histogram: no bin width to choose, p50/p95 are read off the
// y axis, and 10 trials draw as honestly as 1000. Pure: data in, SVG text out.
import { formatMs } from '../util/format.js';
import { esc, FONT, PALETTE } from './svg-style.js';

export interface CdfSeries {
  label: string;
  /** Failover times, ms (any order; non-finite values are dropped). */
  values: number[];
  /** The promise for this series, ms, drawn as a dashed line; absent or non-finite: none. */
  boundMs?: number;
}

const W = 900;
const H = 420;
const L = 70;
const R = 250;
const T = 50;
const B = 60;

/** A round axis maximum ≥ v: 1, 2 or 5 × 10^n. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** The CDF's steps: (x, fraction ≤ x) at each sorted value. */
export function cdfPoints(values: number[]): { x: number; y: number }[] {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  return xs.map((x, i) => ({ x, y: (i + 1) / xs.length }));
}

export function renderCdf(title: string, series: CdfSeries[]): string {
  const all = series.flatMap((s) => [...s.values.filter(Number.isFinite), ...(Number.isFinite(s.boundMs) ? [s.boundMs as number] : [])]);
  const xMax = niceMax(Math.max(1, ...all) * 1.05);
  const px = (x: number) => L + (x / xMax) * (W - L - R);
  const py = (y: number) => H - B - y * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="13">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${L}" y="28" font-size="17" font-weight="bold">${esc(title)}</text>`,
  ];
  // Axes and grid: x in ms, y the fraction of affected client-trials that had moved by then.
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5;
    out.push(`<line x1="${px(x)}" y1="${T}" x2="${px(x)}" y2="${H - B}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${px(x)}" y="${H - B + 18}" text-anchor="middle">${esc(formatMs(x))}</text>`);
  }
  for (const y of [0, 0.5, 0.95, 1]) {
    out.push(`<line x1="${L}" y1="${py(y)}" x2="${W - R}" y2="${py(y)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${y === 0.5 ? 'p50' : y === 0.95 ? 'p95' : y}</text>`);
  }
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#374151"/>`);
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#374151"/>`);
  out.push(`<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">share of moved clients (per trial)</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 16}" text-anchor="middle">failover time (last answer from the failed PoP → first from another)</text>`);
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = cdfPoints(s.values);
    if (pts.length) {
      // A step line: flat until the next value, then up.
      let d = `M ${px(0)} ${py(0)} L ${px(pts[0].x)} ${py(0)}`;
      let prevY = 0;
      for (const p of pts) {
        d += ` L ${px(p.x)} ${py(prevY)} L ${px(p.x)} ${py(p.y)}`;
        prevY = p.y;
      }
      d += ` L ${px(xMax)} ${py(prevY)}`;
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2.5"/>`);
    }
    if (Number.isFinite(s.boundMs)) {
      const bx = px(s.boundMs as number);
      out.push(`<line x1="${bx}" y1="${T}" x2="${bx}" y2="${H - B}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    }
    const ly = T + 10 + i * 40;
    out.push(`<line x1="${W - R + 20}" y1="${ly}" x2="${W - R + 44}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${W - R + 50}" y="${ly + 4}">${esc(s.label)}</text>`);
    const n = s.values.filter(Number.isFinite).length;
    const bound = Number.isFinite(s.boundMs) ? `, bound ${formatMs(s.boundMs as number)} (dashed)` : '';
    out.push(`<text x="${W - R + 50}" y="${ly + 20}" font-size="11" fill="#4b5563">n=${n}${esc(bound)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
