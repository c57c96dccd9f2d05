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

/** One statement to take away: the blocks to enter, then the first of `candidates` FRR accepts. */
export interface Removal {
  parents: string[];
  candidates: string[];
}

/**
 * The removals of a diff, in order; a statement inside a block that is itself
 * removed goes with it (`no route-map X permit 20` takes its `set`s). FRR's
 * `no` forms differ in how many arguments they take (`no set as-path
 * prepend` refuses the ASNs, `no neighbor X description` takes the text), so
 * each removal carries its negations from the full line down (negations()).
 */
export function removals(d: ConfigDiff): Removal[] {
  const removed = new Set(d.remove);
  const coveredByParent = (s: string) => {
    const parts = s.split(SEP);
    return parts.slice(0, -1).some((_, i) => removed.has(parts.slice(0, i + 1).join(SEP)));
  };
  return d.remove
    .filter((s) => !coveredByParent(s))
    .map((s) => {
      const parts = s.split(SEP);
      return { parents: parts.slice(0, -1), candidates: negations(parts[parts.length - 1]) };
    });
}

/** vtysh -c lines for one removal with one of its candidates. */
export const removalCommands = (r: Removal, candidate: string): string[] => ['configure terminal', ...r.parents, candidate, 'end'];

/**
 * One vtysh -c list that adds a diff's statements back, in the checkpoint's
 * order so a block exists before its contents; each statement enters its
 * blocks and leaves them with one `exit` per level.
 */
export function additionCommands(d: ConfigDiff): string[] {
  const cmds = d.add.flatMap((s) => {
    const parts = s.split(SEP);
    const parents = parts.slice(0, -1);
    return [...parents, parts[parts.length - 1], ...parents.map(() => 'exit')];
  });
  return cmds.length ? ['configure terminal', ...cmds, 'end'] : [];
}

/**
 * `no X` from the full line down to its first three words, never shorter:
 * `no neighbor 10.0.0.1` or `no route-map X` would take far more than the
 * statement. A route-map's `set`/`match` goes down to two (`no set
 * local-preference`, the form live policy uses). `X` alone for a statement FRR shows in its negative form
 * (`no bgp ebgp-requires-policy`).
 */
export function negations(line: string): string[] {
  if (line.startsWith('no ')) return [line.slice(3)];
  const words = line.split(/\s+/);
  const out: string[] = [];
  const min = /^(set|match) /.test(line) ? 2 : MIN_NEGATED_WORDS;
  for (let n = words.length; n >= Math.min(min, words.length); n--) out.push(`no ${words.slice(0, n).join(' ')}`);
  return out;
}

const MIN_NEGATED_WORDS = 3;

/** For the report: "router bgp 64500 > neighbor 10.0.0.1 bfd" → "+ neighbor 10.0.0.1 bfd (router bgp 64500)". */
export function describeStatement(s: string, sign: '+' | '-'): string {
  const parts = s.split(SEP);
  const leaf = parts[parts.length - 1];
  return parts.length > 1 ? `${sign} ${leaf} (in ${parts.slice(0, -1).join(SEP)})` : `${sign} ${leaf}`;
}
