// Which PoP answers each client, before and after a live change, and when the
// change had settled. Pure: polls in, the settled catchment and the shift
// time out; the rows and the table people read.
import { familyKey } from '../probe/who.js';
import type { Family } from '../topology/model.js';
import { formatTable } from '../util/format.js';

/** Client → the PoP that answered it (null: no answer). */
export type Catchment = Record<string, string | null>;

export interface CatchmentPoll {
  /** ms since the change was applied, when the poll's answers were all in. */
  atMs: number;
  catchment: Catchment;
}

export interface SettleOptions {
  /**
   * Unchanged this long (and over at least two polls) counts as settled. BGP
   * here sends updates at once (advertisement-interval 0), so a shift lands
   * within a few hundred ms; a quiet second is well past a half-done one.
   */
  quietMs: number;
  /** Watch at least this long: a change that moves nobody must not settle on the first two polls before BGP even acted. */
  minWatchMs: number;
}

export const SETTLE_DEFAULTS: SettleOptions = { quietMs: 1000, minWatchMs: 2000 };

export interface Settled {
  final: Catchment;
  /** ms from the change to the first poll showing `final`; null: nothing ever moved. */
  shiftMs: number | null;
}

export const sameCatchment = (a: Catchment, b: Catchment): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? null) === (b[k] ?? null));
};

/** Settled once the last polls agree for `quietMs` and `minWatchMs` has passed; undefined: keep polling. */
export function settle(before: Catchment, polls: readonly CatchmentPoll[], o: SettleOptions = SETTLE_DEFAULTS): Settled | undefined {
  const last = polls.at(-1);
  if (!last || last.atMs < o.minWatchMs) return undefined;
  let first = polls.length - 1;
  while (first > 0 && sameCatchment(polls[first - 1].catchment, last.catchment)) first--;
  if (polls.length - first < 2 || last.atMs - polls[first].atMs < o.quietMs) return undefined;
  const untouched = first === 0 && sameCatchment(before, last.catchment);
  return { final: last.catchment, shiftMs: untouched ? null : polls[first].atMs };
}

export interface CatchmentRow {
  client: string;
  /** Dual-stack labs only: which family's answer (a row per client per family). */
  family?: Family;
  before: string | null;
  after: string | null;
  moved: boolean;
}

export function catchmentRows(before: Catchment, after: Catchment): CatchmentRow[] {
  const clients = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return clients.map((client) => {
    const b = before[client] ?? null;
    const a = after[client] ?? null;
    return { client, before: b, after: a, moved: b !== a };
  });
}

/** The rows of a poll that asked `families`: one per client as ever on a single-stack lab, one per client per family on a dual-stack one. */
export function familyCatchmentRows(before: Catchment, after: Catchment, families: readonly Family[]): CatchmentRow[] {
  const rows = catchmentRows(before, after);
  if (families.length < 2) return rows;
  const clients = rows.map((r) => r.client).filter((c) => !c.includes('/'));
  return clients.flatMap((client) =>
    families.map((family) => {
      const row = rows.find((r) => r.client === familyKey(client, family));
      return { client, family, before: row?.before ?? null, after: row?.after ?? null, moved: row?.moved ?? false };
    }),
  );
}

/** What a live change did, for the table and for `--json`. */
export interface ChangeReport {
  lab: string;
  /** One line for people: "iad → t-us: prepend 3 (was none)". */
  change: string;
  /** vtysh or shell lines run, per node, in order. */
  applied: { node: string; commands: string[] }[];
  catchment: CatchmentRow[];
  /** ms from the apply to the first poll showing the final catchment; null: no client moved. */
  shiftMs: number | null;
  /** false: the deadline passed before the catchment was stable; `catchment.after` is the last poll. */
  settled: boolean;
  polls: number;
  /** Mean ms between polls: the resolution of shiftMs. */
  pollEveryMs: number;
  notes: string[];
}

export function renderChangeReport(r: ChangeReport): string {
  const lines = [`lab ${r.lab}: ${r.change}`];
  for (const a of r.applied) for (const c of a.commands) lines.push(`  ${a.node}# ${c}`);
  if (!r.applied.length) lines.push('  nothing to change');
  const families = [...new Set(r.catchment.flatMap((c) => (c.family ? [c.family] : [])))];
  const head = ['client', ...(families.length ? ['family'] : []), 'before', 'after', 'moved?'];
  const rows = r.catchment.map((c) => [c.client, ...(c.family ? [c.family] : []), c.before ?? '-', c.after ?? '-', c.moved ? 'MOVED' : '']);
  lines.push('', formatTable(head, rows, [], { rule: false }), '');
  const res = `polled ${r.polls}× every ~${r.pollEveryMs} ms`;
  // Nothing applied: nothing was polled, the notes say why.
  if (r.applied.length) {
    if (!r.settled) lines.push(`catchment NOT stable by the deadline (${res}); the after column is the last poll`);
    else if (r.shiftMs === null) lines.push(`no client moved (${res})`);
    else if (!families.length)
      lines.push(
        `${r.catchment.filter((c) => c.moved).length} of ${r.catchment.length} clients moved; catchment final ${r.shiftMs} ms after the change (${res})`,
      );
    else lines.push(`${families.map((f) => familyMoved(r.catchment, f)).join(', ')}; catchment final ${r.shiftMs} ms after the change (${res})`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}

/** "ipv6: 2 of 6 clients moved" / "ipv4: no client moved". */
function familyMoved(rows: readonly CatchmentRow[], family: Family): string {
  const of = rows.filter((c) => c.family === family);
  const moved = of.filter((c) => c.moved).length;
  return `${family}: ${moved ? `${moved} of ${of.length} clients moved` : 'no client moved'}`;
}
