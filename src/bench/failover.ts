// `npm run bench -- failover [--trials N]`: failover distributions per fault
// mode and BFD setting, against their bounds, plus how well the probes kept
// their schedule. JSON under bench/results/.
//
// The no-BFD case runs only for modes whose detection BFD can change
// (`bfdMatters`): e.g. a mode that downs both ends of every uplink makes each
// router tear the session down at once, whatever BFD does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monoMs } from '../contract/sample.js';
import { LabError } from '../errors.js';
import { parseBfdScoped } from '../experiment/bfd-override.js';
import { runFailover } from '../experiment/failover.js';
import type { FailoverResult } from '../experiment/failover-result.js';
import { type Stats, summarize } from '../experiment/stats.js';
import { faultMode } from '../fault/index.js';
import type { Progress } from '../lab/progress.js';
import { runningLab } from '../lab/running-lab.js';
import { renderCdf } from '../report/cdf-svg.js';
import { movedFailoverMs } from '../report/failover-html.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import type { Family } from '../topology/model.js';
import { formatTable } from '../util/format.js';
import { timestamp } from '../util/timestamp.js';
import { reasonOf } from './reason.js';

export interface BenchCase {
  fault: string;
  bfd: string;
}

/** The matrix: every mode × every BFD setting, minus BFD off for modes where BFD plays no part. Throws USAGE for an unknown mode. */
export function benchCases(modes: string[], bfds: string[]): BenchCase[] {
  return modes.flatMap((fault) => bfds.filter((bfd) => faultMode(fault).bfdMatters || !bfd.startsWith('off')).map((bfd) => ({ fault, bfd })));
}

/** The result file's note on the cases left out, e.g. "cut without BFD is not run: BFD plays no part in noticing it". */
function skippedNote(modes: string[]): string[] {
  const skipped = modes.filter((m) => !faultMode(m).bfdMatters);
  if (skipped.length === 0) return [];
  return [
    `${skipped.join(', ')} without BFD ${skipped.length === 1 ? 'is' : 'are'} not run: BFD plays no part in noticing ${skipped.length === 1 ? 'it' : 'them'}`,
  ];
}

export interface BenchRow {
  fault: string;
  bfd: string;
  /** Dual-stack labs: the family this row times (one row per family, side by side); absent on an [ipv4] lab. */
  family?: Family;
  /** Set when the case could not run (e.g. BFD at this interval never settled): the edge of what the machine does. */
  error?: string;
  trials: number;
  moved: number;
  affected: number;
  failoverMs: Stats;
  /** Every affected client-trial's failover, ms: what the HTML page's CDF draws (absent in files from before it). */
  failoverValuesMs?: number[];
  detectMs: Stats;
  /** Neighbour's BFD-down / hold-expiry / session-down, ms after the fault. */
  routerDetectMs: Stats;
  routeChangeMs: Stats;
  boundMs: number;
  boundBasis: string;
  ratio: { p50: number | null; p95: number | null; max: number | null };
  failbackMs: Stats;
  baselineAfterMs: Stats;
  /** Every client-trial by verdict (moved, stayed-ok, collateral, …). */
  statuses: Record<string, number>;
  /** Longest outage of the clients that should have stayed. */
  nonMoverOutageMs: Stats;
  /** The random delay before each fault spread over [0, phaseSpanMs); the seed replays it. */
  phaseSpanMs: number;
  seed: number;
  probes: { udpPerS: Stats; lostSamples: number; udpMissing: number; cpuMsPerS: Stats };
  wallMs: number;
}

/**
 * A case's rows: one, or on a dual-stack lab one per family from the same
 * trials (router timings are the IPv4 session's in both: BFD runs per
 * session, and the runner watches the IPv4 FIB).
 */
export function benchRows(c: BenchCase, r: FailoverResult): BenchRow[] {
  if (!r.family) return [benchRow(c, r)];
  const rows = [{ ...benchRow(c, r), family: r.family }];
  const v6 = r.ipv6;
  if (v6) {
    const trials = r.trials.map((t, i) => ({ ...t, clients: v6.trials[i]?.clients ?? [] }));
    rows.push({ ...benchRow(c, { ...r, trials, summary: v6.summary }), family: 'ipv6' });
  }
  return rows;
}

function benchRow(c: BenchCase, r: FailoverResult): BenchRow {
  const clients = r.trials.flatMap((t) => t.clients);
  const neighbours = r.trials.flatMap((t) => t.routers.filter((x) => x.role === 'neighbour'));
  const nums = (xs: (number | null | undefined)[]) => xs.filter((v): v is number => typeof v === 'number');
  const durS = (t: FailoverResult['trials'][number]) => Math.max(1, (t.restoreMs - t.faultMs) / 1000);
  return {
    ...c,
    trials: r.trials.length,
    moved: r.summary.moved,
    affected: r.summary.affected,
    failoverMs: r.summary.failoverMs,
    failoverValuesMs: movedFailoverMs(r),
    detectMs: r.summary.detectMs,
    routerDetectMs: summarize(nums(neighbours.map((n) => n.bfdDownMs ?? n.holdExpiredMs ?? n.bgpDownMs))),
    routeChangeMs: summarize(nums(neighbours.map((n) => n.routeChangeMs))),
    boundMs: r.bound.ms,
    boundBasis: r.bound.basis,
    ratio: r.summary.ratio,
    failbackMs: r.summary.failbackMs,
    baselineAfterMs: summarize(nums(r.trials.map((t) => t.baselineAfterMs))),
    statuses: r.summary.statuses,
    nonMoverOutageMs: r.summary.nonMoverOutageMs,
    phaseSpanMs: r.phaseSpanMs,
    seed: r.seed,
    probes: {
      udpPerS: summarize(clients.map((x) => x.probes.udpPerS)),
      lostSamples: clients.reduce((n, x) => n + (x.probes.lostSamples ?? 0), 0),
      udpMissing: clients.reduce((n, x) => n + x.probes.udpMissing, 0),
      // Rough: agent CPU over the fault window's length, per client and trial.
      cpuMsPerS: summarize(r.trials.flatMap((t) => t.clients.map((x) => (x.probes.cpuMs ?? NaN) / durS(t)))),
    },
    wallMs: r.wallMs,
  };
}

/** Client-trials whose verdict is a finding (neither moved nor stayed-ok), e.g. "2 collateral", or "0". */
export function othersHurt(r: Pick<BenchRow, 'statuses'>): string {
  return (
    Object.entries(r.statuses)
      .filter(([k, n]) => k !== 'moved' && k !== 'stayed-ok' && n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || '0'
  );
}

/** A case that did not run: what the row says instead of numbers. */
export function failedRow(c: BenchCase, err: unknown): BenchRow {
  const none = summarize([]);
  return {
    ...c,
    // The first lines say what did not settle (e.g. "t-eu: BFD peer fra is init").
    error: reasonOf(err),
    trials: 0,
    moved: 0,
    affected: 0,
    failoverMs: none,
    detectMs: none,
    routerDetectMs: none,
    routeChangeMs: none,
    boundMs: NaN,
    boundBasis: '',
    ratio: { p50: null, p95: null, max: null },
    failbackMs: none,
    baselineAfterMs: none,
    statuses: {},
    nonMoverOutageMs: none,
    phaseSpanMs: 0,
    seed: 0,
    probes: { udpPerS: none, lostSamples: 0, udpMissing: 0, cpuMsPerS: none },
    wallMs: 0,
  };
}

export function renderBench(rows: BenchRow[]): string {
  const ms = (v: number | null) => (v === null ? '-' : !Number.isFinite(v) ? '∞' : `${Math.round(v)}`);
  const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}×`);
  // A family column only when some row has one: an [ipv4] lab's table stays as it was.
  const dual = rows.some((r) => r.family);
  const family = (r: BenchRow) => (dual ? [r.family ?? '-'] : []);
  const header = [
    'fault',
    'bfd',
    ...(dual ? ['family'] : []),
    'n',
    'moved',
    'min ms',
    'p50 ms',
    'p95 ms',
    'max ms',
    'router p50',
    'bound ms',
    'p50/bound',
    'max/bound',
    'others hurt',
    'udp/s min',
    'lost',
  ];
  // Every row starts with its case; one that did not run has n = 0 and a dash in every other column.
  const lead = (r: BenchRow) => [r.fault, r.bfd, ...family(r)];
  const table = formatTable(
    header,
    rows.map((r) =>
      r.error
        ? [...lead(r), '0', ...Array<string>(header.length - lead(r).length - 1).fill('-')]
        : [
            ...lead(r),
            String(r.trials),
            `${r.moved}/${r.affected}`,
            ms(r.failoverMs.min),
            ms(r.failoverMs.p50),
            ms(r.failoverMs.p95),
            ms(r.failoverMs.max),
            ms(r.routerDetectMs.p50),
            ms(r.boundMs),
            x(r.ratio.p50),
            x(r.ratio.max),
            othersHurt(r),
            r.probes.udpPerS.min === null ? '-' : r.probes.udpPerS.min.toFixed(1),
            String(r.probes.lostSamples),
          ],
    ),
    ['l', 'l', ...(dual ? (['l'] as const) : []), 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
  );
  // The reasons run long (every problem a baseline check found): under the
  // table, so they do not widen a column for every row.
  const why = rows.filter((r) => r.error).map((r) => `${lead(r).join(' ')} did not run: ${r.error}\n`);
  return `${table}\n${why.join('')}(failover: last answer from the old PoP → first from the new, per affected client and trial, each fault after a random delay over one BFD/keepalive interval; router: neighbour's BFD-down/hold-expiry after the fault; others hurt: client-trials not on the failed PoP that lost answers or changed PoP; lost: samples written by an agent that never reached the orchestrator)\n`;
}

export interface FailoverBenchDeps {
  rt: ContainerRuntime;
  progress: Progress;
  /** Ctrl-C: ends the bench after the running case has restored its fault. */
  signal: AbortSignal;
  configRoot: string;
  /** Where the result file goes (bench/results/). */
  resultsDir: string;
}

export interface FailoverBenchOptions {
  trials: number;
  pop: string;
  /** Comma-separated, as given: fault modes and BFD settings. */
  modes: string;
  bfd: string;
  seed?: number;
  lab?: string;
}

export async function runFailoverBench(ctx: FailoverBenchDeps, o: FailoverBenchOptions) {
  const { trials, seed } = o;
  const { progress } = ctx;
  // The whole matrix parsed (and so validated: benchCases checks every mode) before anything breaks.
  const cases = benchCases(o.modes.split(','), o.bfd.split(',')).map((c) => ({ ...c, mode: faultMode(c.fault), setting: parseBfdScoped(c.bfd) }));
  if (cases.length === 0) throw new LabError('USAGE', 'no benchmark cases: check --modes and --bfd');
  const lab = await runningLab(ctx.rt, o.lab);
  const rows: BenchRow[] = [];
  const started = new Date();
  // Counted by case: a dual-stack case adds two rows.
  for (const [i, { mode, setting, ...c }] of cases.entries()) {
    progress.step('bench', `${c.fault} bfd ${c.bfd}`, `${i + 1}/${cases.length}, ${trials} trials`);
    try {
      const r = await runFailover(
        { rt: ctx.rt, lab, configRoot: ctx.configRoot, clock: { monoMs, wallMs: () => Date.now() }, progress, signal: ctx.signal },
        { pop: o.pop, fault: mode, trials, bfd: setting.bfd, bfdScope: setting.scope, seed },
      );
      rows.push(...benchRows(c, r));
    } catch (err) {
      // Ctrl-C ends the bench; a case the machine cannot do (BFD never
      // settles at 10 ms) is a result, and the next case still runs:
      // runFailover has put the lab file's BFD back.
      if (ctx.signal.aborted) throw err;
      rows.push(failedRow(c, err));
      progress.step('bench', `${c.fault} bfd ${c.bfd}`, `did not run: ${rows[rows.length - 1].error}`);
    }
  }
  const doc = {
    bench: 'failover',
    startedAt: started.toISOString(),
    lab: lab.name,
    pop: o.pop,
    trialsPerCase: trials,
    modes: o.modes,
    bfds: o.bfd,
    probe: { udpIntervalMs: 10, tcpIntervalMs: 100, httpIntervalMs: 200, streams: 2 },
    notes: [
      'each fault comes after a random delay, uniform over one BFD interval (one keepalive interval without BFD), seeded per case (rows[].seed)',
      'failover = last answer from the old PoP to the first from the new one (UDP DNS, 10 ms apart), affected clients only',
      'bound = BFD tx × mult (hold time without BFD; carrier loss ~0 for cut, bounded by the silent bound)',
      ...skippedNote(o.modes.split(',')),
    ],
    rows,
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  const file = join(ctx.resultsDir, `failover-${timestamp(started)}.json`);
  writeFileSync(file, `${JSON.stringify(versioned(doc), null, 2)}\n`);
  // Beside it, the distribution per case: one CDF line per fault mode and BFD setting, each with its bound.
  const html = file.replace(/\.json$/, '.html');
  writeFileSync(html, renderBenchCdfHtml(doc.lab, doc.pop, trials, rows));
  return { ...doc, file, html };
}

/** The bench's page: a CDF of failover ms per case that ran, against its bound. No script, no external asset. */
export function renderBenchCdfHtml(lab: string, pop: string, trials: number, rows: BenchRow[]): string {
  const series = rows
    .filter((r) => !r.error && r.failoverValuesMs?.length)
    .map((r) => ({ label: `${r.fault}, BFD ${r.bfd}${r.family ? `, ${r.family}` : ''}`, values: r.failoverValuesMs ?? [], boundMs: r.boundMs }));
  const title = `failover bench: ${pop} (lab ${lab}), ${trials} trials per case`;
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body style="font-family: sans-serif">\n${renderCdf(title, series)}\n</body>\n</html>\n`;
}
