// What `checkpoint restore` must do to a router: the statements its running
// config gained or lost since the checkpoint was saved, and the vtysh lines
// that undo exactly those. Pure: config text in, statements and commands out.
// Both sides are FRR's own `show running-config`, so a statement means the
// same on both (configStatements gives each its enclosing blocks).
import { configStatements } from './config-drift.js';

export interface ConfigDiff {
  /** In the checkpoint, gone from the router now: to be added back. */
  add: string[];
  /** On the router now, not in the checkpoint: to be removed. */
  remove: string[];
}

const SEP = ' > ';

/**
 * Statements that differ, leaving out those the lab changes by itself
 * (`ignore`: a PoP's announcement belongs to its health checker; drains are
 * restored through the drain marker instead).
 */
export function configDiff(saved: string, current: string, ignore: readonly RegExp[] = []): ConfigDiff {
  const keep = (s: string) => !ignore.some((re) => re.test(s));
  const want = [...configStatements(saved)].filter(keep);
  const have = [...configStatements(current)].filter(keep);
  const wantSet = new Set(want);
  const haveSet = new Set(have);
  return { add: want.filter((s) => !haveSet.has(s)), remove: have.filter((s) => !wantSet.has(s)) };
}

export const isEmptyDiff = (d: ConfigDiff): boolean => d.add.length === 0 && d.remove.length === 0;

/**
 * One vtysh -c list that applies a diff: removals first (a changed value is a
 * removal plus an addition: `no set local-preference 300`, then `set
 * local-preference 200`), then additions in the checkpoint's order, so a block
 * exists before its contents. Each statement enters its blocks and leaves them
 * again with one `exit` per level; a statement inside a block that is itself
 * removed goes with it (`no route-map X permit 20` takes its `set`s).
 */
export function restoreCommands(d: ConfigDiff): string[] {
  const removed = new Set(d.remove);
  const coveredByParent = (s: string) => {
    const parts = s.split(SEP);
    return parts.slice(0, -1).some((_, i) => removed.has(parts.slice(0, i + 1).join(SEP)));
  };
  const at = (s: string, negate: boolean): string[] => {
    const parts = s.split(SEP);
    const leaf = parts[parts.length - 1];
    const parents = parts.slice(0, -1);
    return [...parents, negate ? negation(leaf) : leaf, ...parents.map(() => 'exit')];
  };
  const cmds = [...d.remove.filter((s) => !coveredByParent(s)).flatMap((s) => at(s, true)), ...d.add.flatMap((s) => at(s, false))];
  return cmds.length ? ['configure terminal', ...cmds, 'end'] : [];
}

/** `no X`, and `X` for a statement FRR shows in its negative form (`no bgp ebgp-requires-policy`). */
const negation = (line: string): string => (line.startsWith('no ') ? line.slice(3) : `no ${line}`);

/** For the report: "router bgp 64500 > neighbor 10.0.0.1 bfd" → "+ neighbor 10.0.0.1 bfd (router bgp 64500)". */
export function describeStatement(s: string, sign: '+' | '-'): string {
  const parts = s.split(SEP);
  const leaf = parts[parts.length - 1];
  return parts.length > 1 ? `${sign} ${leaf} (in ${parts.slice(0, -1).join(SEP)})` : `${sign} ${leaf}`;
}
