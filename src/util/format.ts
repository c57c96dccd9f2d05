// The console's one table and one duration format, for every report and
// command (the failover report, the bench tables, `who`, `trace`, `flood`).

export type Align = 'l' | 'r';

/** Fixed-width columns separated by two spaces; a rule under the header unless `rule: false`. */
export function formatTable(header: string[], rows: string[][], align: Align[] = [], opts: { rule?: boolean } = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = opts.rule === false ? [] : [widths.map((w) => '-'.repeat(w)).join('  ')];
  return [line(header), ...rule, ...rows.map(line)].join('\n');
}

/** A duration: whole ms, `missing` when unknown, '∞' for an unbounded bound. */
export const formatMs = (v: number | null | undefined, missing = '-'): string =>
  v === null || v === undefined ? missing : !Number.isFinite(v) ? '∞' : `${Math.round(v)} ms`;
