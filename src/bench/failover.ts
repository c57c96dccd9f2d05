// `npm run bench -- failover [--trials N]`: failover distributions per fault
// mode and BFD setting, against their bounds, plus how well the probes kept
// their schedule. JSON under bench/results/.
//
// No-BFD runs only for silent and freeze: `cut` downs both ends of every
// uplink, so each router sees its own interface lose carrier and tears the
// session down at once whatever BFD does. (Downing only the PoP side would
// not do: on a Docker bridge the neighbour's port keeps carrier, and it would
// fall back to BFD/hold like `silent`.)
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { abortOnSignals, FAILOVER_CONFIG_ROOT, positiveInt, timestamp } from '../cli/failover.js';
import { BENCH_RESULTS } from '../cli/bench.js';
import type { CliContext } from '../cli/main.js';
import { LabError } from '../errors.js';
import { runFailover, type FailoverResult } from '../experiment/failover.js';
import { summarize, type Stats } from '../experiment/failover-metrics.js';
import { faultMode } from '../fault/index.js';
import { parseBfdSetting } from '../lab/bfd-override.js';
import { runningLab } from '../lab/running-lab.js';
import { monoMs } from '../probe/sample.js';
import { formatTable } from '../report/failover-table.js';

export interface BenchCase {
  fault: string;
  bfd: string;
}

/** The matrix: every mode × every BFD setting, minus cut without BFD (see above). */
export function benchCases(modes: string[], bfds: string[]): BenchCase[] {
  return modes.flatMap((fault) => bfds.filter((bfd) => !(fault === 'cut' && bfd === 'off')).map((bfd) => ({ fault, bfd })));
}

export interface BenchRow {
  fault: string;
  bfd: string;
  trials: number;
  moved: number;
  affected: number;
  failoverMs: Stats;
  detectMs: Stats;
  /** Neighbour's BFD-down / hold-expiry / session-down, ms after the fault. */
  routerDetectMs: Stats;
  routeChangeMs: Stats;
  boundMs: number;
  boundBasis: string;
  ratio: { p50: number | null; p95: number | null; max: number | null };
  failbackMs: Stats;
  baselineAfterMs: Stats;
  probes: { udpPerS: Stats; lostSamples: number; udpMissing: number; cpuMsPerS: Stats };
  wallMs: number;
}

export function benchRow(c: BenchCase, r: FailoverResult): BenchRow {
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
    detectMs: r.summary.detectMs,
    routerDetectMs: summarize(nums(neighbours.map((n) => n.bfdDownMs ?? n.holdExpiredMs ?? n.bgpDownMs))),
    routeChangeMs: summarize(nums(neighbours.map((n) => n.routeChangeMs))),
    boundMs: r.bound.ms,
    boundBasis: r.bound.basis,
    ratio: r.summary.ratio,
    failbackMs: r.summary.failbackMs,
    baselineAfterMs: summarize(nums(r.trials.map((t) => t.baselineAfterMs))),
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

export function renderBench(rows: BenchRow[]): string {
  const ms = (v: number | null) => (v === null ? '-' : !Number.isFinite(v) ? '∞' : `${Math.round(v)}`);
  const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}×`);
  const table = formatTable(
    ['fault', 'bfd', 'n', 'moved', 'p50 ms', 'p95 ms', 'max ms', 'router p50', 'bound ms', 'p50/bound', 'max/bound', 'udp/s min', 'lost'],
    rows.map((r) => [
      r.fault,
      r.bfd,
      String(r.trials),
      `${r.moved}/${r.affected}`,
      ms(r.failoverMs.p50),
      ms(r.failoverMs.p95),
      ms(r.failoverMs.max),
      ms(r.routerDetectMs.p50),
      ms(r.boundMs),
      x(r.ratio.p50),
      x(r.ratio.max),
      r.probes.udpPerS.min === null ? '-' : r.probes.udpPerS.min.toFixed(1),
      String(r.probes.lostSamples),
    ]),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  return `${table}\n(failover: last answer from the old PoP → first from the new, per affected client and trial; router: neighbour's BFD-down/hold-expiry after the fault; lost: samples written by an agent that never reached the orchestrator)\n`;
}

export function registerFailoverBench(program: Command, ctx: CliContext): void {
  program
    .command('failover')
    .description('failover distributions for freeze/silent/cut × BFD 300x3, 100x3, 50x3, off')
    .option('--trials <n>', 'trials per case', '20')
    .option('--pop <pop>', 'PoP to break', 'fra')
    .option('--modes <list>', 'fault modes', 'freeze,silent,cut')
    .option('--bfd <list>', 'BFD settings', '300x3,100x3,50x3,off')
    .option('--lab <name>', 'lab name when several are up')
    .option('--json', 'print the result JSON on stdout')
    .action(async (o: { trials: string; pop: string; modes: string; bfd: string; lab?: string; json?: boolean }) => {
      const trials = positiveInt('--trials', o.trials);
      const cases = benchCases(o.modes.split(','), o.bfd.split(','));
      // Validate the whole matrix before breaking anything.
      for (const c of cases) {
        faultMode(c.fault);
        parseBfdSetting(c.bfd);
      }
      if (cases.length === 0) throw new LabError('USAGE', 'no benchmark cases: check --modes and --bfd');
      const lab = await runningLab(ctx.rt, o.lab);
      const progress = ctx.progress(!!o.json);
      const abort = abortOnSignals();
      const rows: BenchRow[] = [];
      const started = new Date();
      try {
        for (const c of cases) {
          progress.step('bench', `${c.fault} bfd ${c.bfd}`, `${rows.length + 1}/${cases.length}, ${trials} trials`);
          const r = await runFailover(
            { rt: ctx.rt, lab, configRoot: FAILOVER_CONFIG_ROOT, clock: { monoMs, wallMs: () => Date.now() }, progress, signal: abort.signal },
            { pop: o.pop, fault: faultMode(c.fault), trials, bfd: parseBfdSetting(c.bfd) },
          );
          rows.push(benchRow(c, r));
        }
      } finally {
        abort.dispose();
      }
      const doc = {
        bench: 'failover',
        startedAt: started.toISOString(),
        lab: lab.name,
        pop: o.pop,
        trialsPerCase: trials,
        probe: { udpIntervalMs: 10, tcpIntervalMs: 100, httpIntervalMs: 200, streams: 2 },
        notes: [
          'failover = last answer from the old PoP to the first from the new one (UDP DNS, 10 ms apart), affected clients only',
          'bound = BFD tx × mult (hold time without BFD; carrier loss ~0 for cut, bounded by the silent bound)',
          'cut without BFD is not run: both ends lose carrier, BFD plays no part',
        ],
        rows,
      };
      mkdirSync(BENCH_RESULTS, { recursive: true });
      const file = join(BENCH_RESULTS, `failover-${timestamp(started)}.json`);
      writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
      ctx.print(!!o.json, { ...doc, file }, () => `${renderBench(rows)}results: ${file}`);
    });
}
