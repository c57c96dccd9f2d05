// Why a bench case did not run, whole, on one line for a result file and a
// README table cell. A LabError's message is a headline ending in ":" and
// one line per problem ("BFD did not settle within 90 s:\n  t-eu: peer fra
// is init"); keeping only the headline left rows saying "…within 90 s:" and
// nothing more, so every line is kept.
export function reasonOf(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.reduce((out, l, i) => (i === 0 ? l : `${out}${out.endsWith(':') ? ' ' : '; '}${l}`), '');
}
