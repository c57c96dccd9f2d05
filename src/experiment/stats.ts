// Distributions as the reports show them. Pure.

export interface Stats {
  n: number;
  min: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Nearest-rank percentiles: p is the smallest value with at least p% of the
 * values at or below it (sorted[ceil(p/100·n) − 1]). Always a value that was
 * measured, never an interpolation — with 4 clients "p95" is simply the max,
 * which is the honest answer. Non-finite values are ignored.
 */
export function summarize(values: number[]): Stats {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n, min: null, p50: null, p95: null, max: null, mean: null };
  const rank = (p: number): number => v[Math.max(0, Math.ceil((p / 100) * n) - 1)];
  return { n, min: v[0], p50: rank(50), p95: rank(95), max: v[n - 1], mean: v.reduce((a, b) => a + b, 0) / n };
}
