// Reading the route collector (`collector: true`): the updates its recorder
// logged (`lab collector`, the failover report's third clock) and GoBGP's
// RIB, every transit's view of a prefix (`lg collector`). The reads exec in
// the collector's container; the views are pure.

import { COLLECTOR_PATHS } from '../contract/agent.js';
import { asPathOf, type CollectorUpdate, type GobgpAttrs } from '../contract/collector-update.js';
import { LabError } from '../errors.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { familyOf } from '../topology/families.js';
import type { Collector, Lab } from '../topology/model.js';
import { formatTable } from '../util/format.js';

export type { CollectorUpdate };

/** An update with the transit it came from, by name. */
export interface CollectorEvent extends CollectorUpdate {
  from: string;
}

export function collectorOf(lab: Lab): Collector {
  if (!lab.collector)
    throw new LabError('USAGE', `lab ${lab.name} has no route collector: add \`collector: true\` to ${lab.file} and run \`npm run lab -- up\``);
  return lab.collector;
}

/** Each transit by both its addresses: a dual-stack lab's IPv6 sessions report from the transit's IPv6 address. */
const peerNames = (collector: Collector): Map<string, string> =>
  new Map([...collector.peers, ...(collector.ipv6?.peers ?? [])].map((p) => [p.address, p.router]));

/** Log lines → events (pure); lines that do not parse are skipped (a line cut by a crash). */
export function collectorEvents(collector: Collector, ndjson: string): CollectorEvent[] {
  const names = peerNames(collector);
  const out: CollectorEvent[] = [];
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    try {
      const u = JSON.parse(line) as CollectorUpdate;
      if (typeof u.peer === 'string' && typeof u.prefix === 'string' && typeof u.monoMs === 'number') out.push({ ...u, from: names.get(u.peer) ?? u.peer });
    } catch {
      // skipped
    }
  }
  return out;
}

export async function readCollectorLog(rt: ContainerRuntime, lab: Lab): Promise<CollectorEvent[]> {
  const c = collectorOf(lab);
  const r = await rt.exec(containerName(lab.name, c.name), ['sh', '-c', `cat ${COLLECTOR_PATHS.log} 2>/dev/null; true`], { timeoutMs: 15_000 });
  return collectorEvents(c, r.stdout);
}

/** `30s`, `2m`, `500ms`, `1h` → ms; a clear error naming the option otherwise. */
export function parseSince(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new LabError('USAGE', `--since expects a duration like 30s, 2m, 500ms or 1h (got "${value}")`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}

const asPathText = (e: Pick<CollectorUpdate, 'asPath' | 'withdraw'>): string => (e.withdraw ? '(withdrawn)' : e.asPath.join(' '));

export function renderCollectorTable(events: readonly CollectorEvent[], opts: { nowWallMs: number; prefix?: string }): string {
  if (!events.length) return `no updates${opts.prefix ? ` for ${opts.prefix}` : ''} in that time`;
  const rows = events.map((e) => [
    new Date(e.wallMs).toISOString().slice(11, 23),
    `${((opts.nowWallMs - e.wallMs) / 1000).toFixed(1)}s`,
    e.from,
    e.withdraw ? 'withdraw' : 'announce',
    e.prefix,
    asPathText(e),
  ]);
  return formatTable(['time (UTC)', 'ago', 'from', 'update', 'prefix', 'AS path'], rows, ['l', 'r']);
}

// ---- the RIB: every transit's view

export interface CollectorPath {
  prefix: string;
  from: string;
  peer: string;
  asPath: number[];
  best: boolean;
  /** Unix seconds GoBGP received it. */
  age: number;
}

interface GobgpRibPath {
  nlri?: { prefix?: string };
  attrs?: GobgpAttrs;
  best?: boolean;
  age?: number;
  'neighbor-ip'?: string;
}

/** `gobgp global rib -j` (prefix → paths) → rows, ordered by prefix then best first (pure). */
export function collectorPaths(collector: Collector, json: string): CollectorPath[] {
  const names = peerNames(collector);
  const parsed = JSON.parse(json || '{}') as Record<string, GobgpRibPath[]>;
  const rows: CollectorPath[] = [];
  for (const [prefix, paths] of Object.entries(parsed)) {
    for (const p of paths) {
      const peer = p['neighbor-ip'] ?? '?';
      rows.push({
        prefix: p.nlri?.prefix ?? prefix,
        from: names.get(peer) ?? peer,
        peer,
        asPath: asPathOf(p.attrs),
        best: p.best === true,
        age: p.age ?? 0,
      });
    }
  }
  return rows.sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }) || Number(b.best) - Number(a.best) || a.from.localeCompare(b.from));
}

export async function readCollectorRib(rt: ContainerRuntime, lab: Lab, prefix?: string): Promise<CollectorPath[]> {
  const c = collectorOf(lab);
  // The table of the prefix's family (IPv4 when no prefix is given).
  const family = prefix ? familyOf(prefix) : 'ipv4';
  const r = await rt.exec(containerName(lab.name, c.name), ['gobgp', 'global', 'rib', '-a', family, ...(prefix ? [prefix] : []), '-j'], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new LabError('EXPERIMENT', `gobgp in the collector failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return collectorPaths(c, r.stdout.trim());
}

/**
 * GoBGP against FRR (pure): what the collector heard from each transit must be
 * that transit's own best path with its AS in front. A disagreement is a
 * finding (an update lost or stuck, a policy that leaks), not an error.
 */
export function crossCheck(paths: readonly CollectorPath[], frrBest: ReadonlyMap<string, { asn: number; asPath: string } | null>): CollectorCheck[] {
  return [...frrBest.entries()].map(([transit, best]) => {
    const heard = paths.find((p) => p.from === transit);
    const frr = best ? [best.asn, ...best.asPath.split(/\s+/).filter(Boolean).map(Number)].join(' ') : null;
    const collector = heard ? heard.asPath.join(' ') : null;
    return { transit, frr, collector, agree: frr === collector };
  });
}

export interface CollectorCheck {
  transit: string;
  /** The transit's FRR best path as its peers receive it (its AS prepended); null: no route. */
  frr: string | null;
  collector: string | null;
  agree: boolean;
}

export function renderCollectorRib(paths: readonly CollectorPath[], collector: Collector, checks: readonly CollectorCheck[] = []): string {
  if (!paths.length) return 'the collector has no path for that prefix';
  const check = new Map(checks.map((c) => [c.transit, c]));
  const rows = paths.map((p) => {
    const c = check.get(p.from);
    return [p.best ? '*>' : '* ', p.prefix, p.from, p.asPath.join(' '), c ? (c.agree ? 'agrees' : `DISAGREES: FRR's best ${c.frr ?? '(none)'}`) : ''];
  });
  const disagree = checks.filter((c) => !c.agree);
  return [
    `route collector AS${collector.asn} (GoBGP): every transit's best path, as each sends it (like a RIS looking glass); *> = the collector's own pick`,
    formatTable(['', 'prefix', 'from', 'AS path', ...(checks.length ? ['FRR on that transit'] : [])], rows),
    ...(disagree.length ? [`finding: GoBGP and FRR disagree on ${disagree.map((c) => c.transit).join(', ')}`] : []),
  ].join('\n');
}

// ---- the third clock of a failover trial

export interface CollectorSeen {
  /** The transit that sent it. */
  from: string;
  update: 'withdraw' | 'announce';
  asPath: number[];
  /** ms from the fault (probes' clock). */
  afterFaultMs: number;
}

/**
 * Per transit, the first update of `prefix` the collector heard at or after
 * the fault, and the first at or after the restore (pure): when the world
 * outside the operator saw the PoP go and come back.
 */
export function collectorTimes(
  events: readonly CollectorEvent[],
  prefix: string,
  faultMs: number,
  restoreMs: number | null,
): { fault: CollectorSeen[]; restore: CollectorSeen[] } {
  const firstAfter = (t: number, until: number) => {
    const seen = new Map<string, CollectorSeen>();
    for (const e of [...events].sort((a, b) => a.monoMs - b.monoMs)) {
      if (e.prefix !== prefix || e.monoMs < t || e.monoMs >= until || seen.has(e.from)) continue;
      seen.set(e.from, { from: e.from, update: e.withdraw ? 'withdraw' : 'announce', asPath: e.asPath, afterFaultMs: Math.round(e.monoMs - faultMs) });
    }
    return [...seen.values()].sort((a, b) => a.afterFaultMs - b.afterFaultMs);
  };
  return {
    fault: firstAfter(faultMs, restoreMs ?? Number.POSITIVE_INFINITY),
    restore: restoreMs === null ? [] : firstAfter(restoreMs, Number.POSITIVE_INFINITY),
  };
}
