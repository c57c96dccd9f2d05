// A running router's frr.conf changed (a new neighbour, a removed link, a
// new policy): apply the difference in place instead of recreating the
// router, and check it the way the start-up config is checked (config-drift).
// The image has no frr-reload.py (no python), so what the old config had and
// the new one does not is removed with `no` lines, deepest first; then the
// new file is applied whole (vtysh -b: what is already there is a no-op).
import { ConvergenceError } from '../errors.js';
import { renderRouter } from '../render/frr-config.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { configDrift, configStatements, shortStatement } from './config-drift.js';
import { runtimeOwned } from './frr-ready.js';
import type { Progress } from './progress.js';

/**
 * Pure: vtysh command lines that remove every statement of `oldConf` that
 * `newConf` lacks. Only the topmost removed statement of a block is undone
 * (`no route-map X permit 10` takes its `set` lines along); deeper ones go
 * first, so `no neighbor … route-map` inside an address-family runs before
 * the `no neighbor … remote-as` that would make it an error.
 */
export function removalCommands(oldConf: string, newConf: string): string[] {
  const keep = configStatements(newConf);
  const removed = [...configStatements(oldConf)].filter((s) => !keep.has(s));
  const gone = new Set(removed);
  const topmost = removed.filter((s) => {
    const parts = s.split(' > ');
    return !parts.slice(1).some((_, i) => gone.has(parts.slice(0, i + 1).join(' > ')));
  });
  const depth = (s: string) => s.split(' > ').length;
  // `no neighbor X remote-as` deletes the neighbour: any other `no neighbor X …` after it is an error.
  const deletesPeer = (s: string) => (/ > neighbor \S+ remote-as \S+$/.test(s) ? 1 : 0);
  return topmost
    .map((s, i) => ({ s, i }))
    .sort((a, b) => depth(b.s) - depth(a.s) || deletesPeer(a.s) - deletesPeer(b.s) || a.i - b.i)
    .flatMap(({ s }) => {
      const parts = s.split(' > ');
      const leaf = parts[parts.length - 1];
      const undo = leaf.startsWith('no ') ? leaf.slice(3) : `no ${leaf}`;
      return ['configure terminal', ...parts.slice(0, -1), undo, 'end'];
    });
}

export interface Reconfigured {
  router: string;
  removed: number;
  /** Rendered statements the router lacked before the apply. */
  added: number;
}

/**
 * `oldConf`: what the router runs (the last converged record, or the file
 * before this run rendered over it). Throws a ConvergenceError naming the
 * statements that are missing or left behind.
 */
export async function reconfigureRouter(
  rt: ContainerRuntime,
  lab: Lab,
  router: string,
  oldConf: string | undefined,
  progress: Progress,
): Promise<Reconfigured> {
  const container = containerName(lab.name, router);
  const rendered = renderRouter(lab, router)['frr.conf'];
  const owned = runtimeOwned(lab);
  const undo = oldConf === undefined ? [] : removalCommands(oldConf, rendered).filter((l, i, all) => !isOwned(l, i, all, owned));
  const removed = undo.filter((l) => l.startsWith('no ') || l.startsWith('bgp ')).length;
  const before = await rt.exec(container, ['vtysh', '-c', 'show running-config']);
  const added = configDrift(rendered, before.stdout, { runtimeOwned: owned }).length;
  progress.step(router, 'reconfigure', `in place: ${removed} statements to remove, ${added} to add (vtysh)`);
  const script = [
    // One vtysh per statement: vtysh stops at a command FRR refuses (one
    // already gone with its block), and the rest must still run; what is left
    // is judged by the check below.
    ...groups(undo).map((g) => `vtysh ${g.map((l) => `-c ${shellQuote(l)}`).join(' ')} >>/var/log/frr/vtysh-reconfigure.log 2>&1 || true`),
    'vtysh -b >>/var/log/frr/vtysh-reconfigure.log 2>&1 || true',
    "vtysh -c 'show running-config'",
  ].join('\n');
  const r = await rt.exec(container, ['bash', '-c', script], { timeoutMs: 60_000 });
  const missing = configDrift(rendered, r.stdout, { runtimeOwned: owned });
  const have = configStatements(r.stdout);
  const left = oldConf === undefined ? [] : removedStatements(oldConf, rendered).filter((s) => have.has(s) && !owned.some((re) => re.test(s)));
  if (missing.length || left.length) {
    const pending = [
      ...missing.map((d) => `${router}: running config lacks \`${shortStatement(d)}\``),
      ...left.map((d) => `${router}: running config still has \`${shortStatement(d)}\``),
    ];
    throw new ConvergenceError(`${router}: the new frr.conf was not applied in place:\n    ${pending.slice(0, 8).join('\n    ')}`, pending);
  }
  return { router, removed, added };
}

function removedStatements(oldConf: string, newConf: string): string[] {
  const keep = configStatements(newConf);
  return [...configStatements(oldConf)].filter((s) => !keep.has(s));
}

/** A `no` line of a statement the lab changes at run time (a PoP's announcement) is left to its owner. */
function isOwned(line: string, i: number, all: string[], owned: RegExp[]): boolean {
  if (!line.startsWith('no ')) return false;
  const ctx: string[] = [];
  for (let j = i - 1; j >= 0 && all[j] !== 'configure terminal'; j--) ctx.unshift(all[j]);
  const statement = [...ctx, line.slice(3)].join(' > ');
  return owned.some((re) => re.test(statement));
}

/** `configure terminal … end` runs, one per removed statement. */
function groups(lines: string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (l === 'configure terminal') out.push([]);
    out[out.length - 1]?.push(l);
  }
  return out;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
