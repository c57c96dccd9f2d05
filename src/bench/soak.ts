// `npm run bench -- soak --minutes 10 [--bfd 100x3,20x3,10x3]`: does BFD at
// this interval hold on this machine? Per setting: BFD applied live to every
// session, then the lab left idle for half the time and probed from every
// client for the other half, counting BFD session-down events and BGP
// session drops on every router from FRR's own counters (before/after), and
// the probes the clients lost. A setting whose BFD never settles is reported
// as such. The lab file's BFD is put back after each setting.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { applyBfd, parseBfdSetting, runtimeForBfd, withBfd } from '../experiment/bfd-override.js';
import { bfdLabel } from '../experiment/failover.js';
import { splitJsonDocuments } from '../lab/frr-state.js';
import type { Progress } from '../lab/progress.js';
import { runningLab } from '../lab/running-lab.js';
import { startProbes } from '../probe/run-probes.js';
import { bfdProfileName } from '../render/bfd-profiles.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import type { Lab } from '../topology/model.js';
import { timestamp } from '../util/timestamp.js';
import { hold } from '../util/wait.js';
import { reasonOf } from './reason.js';

/** One router's flap counters, summed over its peers. */
export interface FlapCounters {
  bfdDown: number;
  bgpDropped: number;
}

/** From `show bfd peers counters json` and `show bgp neighbors json` (FRR 8.4 field names). */
export function parseFlapCounters(bfdJson: string, bgpJson: string): FlapCounters {
  const bfd = JSON.parse(bfdJson || '[]') as { 'session-down'?: number }[];
  const bgp = JSON.parse(bgpJson || '{}') as Record<string, { connectionsDropped?: number }>;
  return {
    bfdDown: bfd.reduce((n, p) => n + Number(p['session-down'] ?? 0), 0),
    bgpDropped: Object.values(bgp).reduce((n, p) => n + Number(p.connectionsDropped ?? 0), 0),
  };
}

/**
 * after − before per router, and the lab's total. A counter that went down
 * belongs to a BFD session that was deleted and created again (bgpd drops
 * its BFD session with the BGP session): that is at least one flap, never a
 * negative one.
 */
export function flapDelta(
  before: Record<string, FlapCounters>,
  after: Record<string, FlapCounters>,
): { total: FlapCounters; byRouter: Record<string, FlapCounters> } {
  const byRouter: Record<string, FlapCounters> = {};
  const total = { bfdDown: 0, bgpDropped: 0 };
  const diff = (a: number, b: number) => (a >= b ? a - b : 1);
  for (const [r, a] of Object.entries(after)) {
    const b = before[r] ?? { bfdDown: 0, bgpDropped: 0 };
    const d = { bfdDown: diff(a.bfdDown, b.bfdDown), bgpDropped: diff(a.bgpDropped, b.bgpDropped) };
    if (d.bfdDown || d.bgpDropped) byRouter[r] = d;
    total.bfdDown += d.bfdDown;
    total.bgpDropped += d.bgpDropped;
  }
  return { total, byRouter };
}

export async function readCounters(rt: ContainerRuntime, lab: Lab): Promise<Record<string, FlapCounters>> {
  const out: Record<string, FlapCounters> = {};
  await Promise.all(
    lab.routers.map(async (r) => {
      const res = await rt.exec(containerName(lab.name, r.name), ['vtysh', '-c', 'show bfd peers counters json', '-c', 'show bgp neighbors json'], {
        timeoutMs: 30_000,
      });
      const [bfd, bgp] = splitJsonDocuments(res.stdout);
      out[r.name] = parseFlapCounters(bfd ?? '[]', bgp ?? '{}');
    }),
  );
  return out;
}

export interface SoakRow {
  bfd: string;
  settled: boolean;
  error?: string;
  idleS: number;
  probedS: number;
  idle?: { total: FlapCounters; byRouter: Record<string, FlapCounters> };
  probed?: { total: FlapCounters; byRouter: Record<string, FlapCounters> };
  /** UDP probes that got no answer, over every client, during the probed half. */
  probesLost?: number;
  probesSent?: number;
  /** 1-minute load average at the end of each half. */
  load: number[];
}

export interface SoakBenchDeps {
  rt: ContainerRuntime;
  progress: Progress;
  /** Ctrl-C: ends the soak once the lab file's BFD is back. */
  signal: AbortSignal;
  /** Where the result file goes (bench/results/). */
  resultsDir: string;
}

export interface SoakBenchOptions {
  minutes: number;
  /** Comma-separated, as given: e.g. 100x3,20x3@fra. */
  bfd: string;
  lab?: string;
}

export type SoakBenchResult = Awaited<ReturnType<typeof runSoakBench>>;

export async function runSoakBench(ctx: SoakBenchDeps, o: SoakBenchOptions) {
  const { minutes } = o;
  const { progress } = ctx;
  const lab = await runningLab(ctx.rt, o.lab);
  const settings = o.bfd.split(',').map((b) => {
    const [setting, router, ...rest] = b.split('@');
    const s = parseBfdSetting(setting);
    if (s === 'lab' || !s.enabled || rest.length) throw new LabError('USAGE', `Expected \`--bfd\` settings like 100x3 or 20x3@fra, got "${b}"`);
    if (router !== undefined && !lab.routers.some((r) => r.name === router)) {
      throw new LabError('USAGE', `\`--bfd ${b}\`: lab "${lab.name}" has no router "${router}" (routers: ${lab.routers.map((r) => r.name).join(', ')})`);
    }
    return { bfd: s, router };
  });
  const halfMs = (minutes * 60_000) / 2;
  const rows: SoakRow[] = [];
  const started = new Date();
  for (const { bfd, router } of settings) {
    const label = `${bfdLabel(bfd, lab)}${router ? `@${router}` : ''}`;
    const model = withBfd(lab, bfd, router);
    // As in failover: bursts of execs take fast BFD sessions down, and the counters would count them.
    const { rt } = runtimeForBfd(ctx.rt, model);
    const row: SoakRow = { bfd: label, settled: false, idleS: halfMs / 1000, probedS: halfMs / 1000, load: [] };
    rows.push(row);
    try {
      progress.step('soak', label, `BFD on ${router ? `${router}'s sessions` : 'every session'}, live; waiting until it settles`);
      await applyBfd(rt, model, { timeoutMs: 90_000, signal: ctx.signal });
      row.settled = true;
      const c0 = await readCounters(rt, model);
      progress.step('soak', label, `idle for ${halfMs / 1000} s`);
      await hold(halfMs, ctx.signal);
      const c1 = await readCounters(rt, model);
      row.idle = flapDelta(c0, c1);
      row.load.push(loadavg()[0]);
      progress.step('soak', label, `idle: ${row.idle.total.bfdDown} BFD down, ${row.idle.total.bgpDropped} BGP drops; probing for ${halfMs / 1000} s`);
      const targets = model.clients.map((c) => ({ client: c.name, container: containerName(model.name, c.name) }));
      // Bounded by the agent itself too (maxDurationMs) if we die.
      const session = await startProbes(rt, model, targets, { maxDurationMs: halfMs + 30_000 });
      await hold(halfMs, ctx.signal);
      const runs = await session.stop();
      const c2 = await readCounters(rt, model);
      row.probed = flapDelta(c1, c2);
      row.load.push(loadavg()[0]);
      const udp = runs.flatMap((r) => r.samples.filter((x) => x.kind === 'udp-dns'));
      row.probesSent = udp.length;
      row.probesLost = udp.filter((x) => x.outcome !== 'ok').length;
      progress.step(
        'soak',
        label,
        `probed: ${row.probed.total.bfdDown} BFD down, ${row.probed.total.bgpDropped} BGP drops, ${row.probesLost}/${row.probesSent} probes lost`,
      );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      row.error = reasonOf(err);
      progress.step('soak', label, `failed: ${row.error}`);
    } finally {
      // Back to the lab file, whatever happened (a 10 ms profile may be why it failed).
      // bfdCommands keeps every profile a router's own lab-file sessions use.
      await applyBfd(rt, lab, { timeoutMs: 120_000, dropProfiles: [bfdProfileName(bfd)] }).catch((err: Error) => {
        row.error = `${row.error ? `${row.error}; ` : ''}putting the lab file's BFD back: ${reasonOf(err)}`;
      });
    }
  }
  const doc = {
    bench: 'soak',
    startedAt: started.toISOString(),
    lab: lab.name,
    minutesPerSetting: minutes,
    routers: lab.routers.length,
    reproduce: `npm run bench -- soak --minutes ${minutes} --bfd ${o.bfd}`,
    rows,
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  const file = join(ctx.resultsDir, `soak-${timestamp(started)}.json`);
  writeFileSync(file, `${JSON.stringify(versioned(doc), null, 2)}\n`);
  return { ...doc, file };
}

/** The human summary of `bench soak`. */
export function renderSoak(doc: SoakBenchResult): string {
  return [
    `soak (${doc.lab}: ${doc.routers} routers; ${doc.minutesPerSetting} min per setting, half idle, half probed)`,
    ...doc.rows.map((r) =>
      r.settled && r.idle && r.probed
        ? `  BFD ${r.bfd.padEnd(6)} idle: ${r.idle.total.bfdDown} BFD down, ${r.idle.total.bgpDropped} BGP drops; probed: ${r.probed.total.bfdDown} BFD down, ${r.probed.total.bgpDropped} BGP drops, ${r.probesLost}/${r.probesSent} probes lost`
        : `  BFD ${r.bfd.padEnd(6)} ${r.settled ? 'failed' : 'never settled'}: ${r.error}`,
    ),
    `  → ${doc.file}`,
  ].join('\n');
}
