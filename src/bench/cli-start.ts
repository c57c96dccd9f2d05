// `npm run bench -- cli`: how long a command takes from the shell, start-up
// included. A workshop attendee types dozens of commands; containerlab answers
// in tens of ms. Targets (issue #22): `--help` ≤ 300 ms median from the bin,
// `status` on a running lab ≤ 1 s. Each command is a fresh process, timed from
// spawn to exit, as a shell would see it.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { summarize } from '../experiment/stats.js';
import type { Progress } from '../lab/progress.js';
import { REPO_ROOT } from '../paths.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { timestamp } from '../util/timestamp.js';

export const HELP_TARGET_MS = 300;
export const STATUS_TARGET_MS = 1000;

/** One way of starting the CLI, as typed in a shell (`cmd`) and as spawned (`argv`). */
interface Launch {
  how: string;
  cmd: string;
  argv: string[];
  runs: number;
}

export interface TimedRow {
  how: string;
  cmd: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  ms: number[];
}

export type StatusRow = (TimedRow & { ran: true; lab: string; targetMs: number; pass: boolean }) | { ran: false; reason: string };

export interface CliBenchResult {
  at: string;
  machine: { cpus: number; memGiB: number; node: string; loadavg1AtStart: number; loadavg1AtEnd: number };
  help: { targetMs: number; pass: boolean; rows: TimedRow[] };
  status: StatusRow;
  reproduce: string;
  file: string;
}

export interface CliBenchOptions {
  /** Runs of `--help` from the bin (the measured target). */
  runs: number;
  /** Runs of each slower way in (npm run, npx, tsx): for comparison only. */
  wrapperRuns: number;
  /** Runs of `status --json`. */
  statusRuns: number;
  lab?: string;
}

const BIN = join(REPO_ROOT, 'bin', 'anycast-lab.mjs');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** The nearest-rank p-th percentile (a measured value, as summarize does it). */
const percentile = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

/** A row from its samples. Pure. */
export function timedRow(how: string, cmd: string, ms: number[]): TimedRow {
  const s = summarize(ms);
  const sorted = [...ms].sort((a, b) => a - b);
  return { how, cmd, runs: s.n, medianMs: s.p50 ?? Number.NaN, p90Ms: percentile(sorted, 90), minMs: s.min ?? Number.NaN, maxMs: s.max ?? Number.NaN, ms };
}

/** Spawns argv once from the repository; resolves with its wall time, or fails naming the command and its stderr. */
function timeOnce(argv: string[], cmd: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Math.round(performance.now() - t0);
      if (code === 0) resolve(ms);
      else reject(new LabError('EXPERIMENT', `bench cli: \`${cmd}\` exited ${code}: ${stderr.trim().slice(-2000)}`));
    });
  });
}

async function timeLaunch(l: Launch, progress: Progress): Promise<TimedRow> {
  const ms: number[] = [];
  for (let i = 0; i < l.runs; i++) ms.push(await timeOnce(l.argv, l.cmd));
  const row = timedRow(l.how, l.cmd, ms);
  progress.step('bench', l.how, `${l.cmd}: median ${row.medianMs} ms, p90 ${row.p90Ms} ms over ${row.runs} runs`);
  return row;
}

/** The ways in, the bin first: what `--help` costs from each. */
function helpLaunches(o: CliBenchOptions): Launch[] {
  return [
    { how: 'bin', cmd: 'node bin/anycast-lab.mjs --help', argv: [process.execPath, BIN, '--help'], runs: o.runs },
    { how: 'npm run -s lab', cmd: 'npm run -s lab -- --help', argv: ['npm', 'run', '-s', 'lab', '--', '--help'], runs: o.wrapperRuns },
    { how: 'npx', cmd: 'npx anycast-lab --help', argv: ['npx', 'anycast-lab', '--help'], runs: o.wrapperRuns },
    // npm's own start-up, for scale: npm 11's `exec` of the project's own bin
    // also reads node_modules and checks its npx cache for the local package
    // (libnpmexec: hasPkgBin → loadActual), which neither this nor our code does.
    { how: 'npx alone', cmd: 'npx --version', argv: ['npx', '--version'], runs: o.wrapperRuns },
    // How every command started before the bundle: the baseline.
    { how: 'tsx (before)', cmd: 'npx tsx src/cli/main.ts --help', argv: [TSX, 'src/cli/main.ts', '--help'], runs: o.wrapperRuns },
  ].filter((l) => l.runs > 0);
}

/** The lab `status` is timed on: from the containers' labels alone, as `status` itself reads them. */
async function labToTime(rt: ContainerRuntime, wanted?: string): Promise<string | { reason: string }> {
  const containers = await rt.listContainers(wanted ? { [LABEL.lab]: wanted } : { [LABEL.lab]: '' });
  const labs = [...new Set(containers.map((c) => c.labels[LABEL.lab]))].sort();
  if (labs.length === 0) return { reason: wanted ? `lab "${wanted}" is not up` : 'no lab is up (bring one up with `npx anycast-lab up`, then run this again)' };
  if (labs.length > 1) throw new LabError('USAGE', `several labs are up (${labs.join(', ')}); pass --lab <name>`);
  return labs[0];
}

async function statusRow(rt: ContainerRuntime, o: CliBenchOptions, progress: Progress): Promise<StatusRow> {
  const lab = await labToTime(rt, o.lab);
  if (typeof lab !== 'string') return { ran: false, reason: lab.reason };
  const cmd = `node bin/anycast-lab.mjs status --json ${lab}`;
  const row = await timeLaunch({ how: 'bin', cmd, argv: [process.execPath, BIN, 'status', '--json', lab], runs: o.statusRuns }, progress);
  return { ran: true, lab, targetMs: STATUS_TARGET_MS, pass: row.medianMs <= STATUS_TARGET_MS, ...row };
}

export async function runCliBench(ctx: { rt: ContainerRuntime; progress: Progress; resultsDir: string }, o: CliBenchOptions): Promise<CliBenchResult> {
  const started = new Date();
  const loadAtStart = loadavg()[0];
  // Untimed: the first run rebuilds the bundle when a source changed since the last one.
  await timeOnce([process.execPath, BIN, '--help'], 'node bin/anycast-lab.mjs --help');
  const rows: TimedRow[] = [];
  for (const l of helpLaunches(o)) rows.push(await timeLaunch(l, ctx.progress));
  const status = await statusRow(ctx.rt, o, ctx.progress);
  const doc = {
    at: started.toISOString(),
    machine: {
      cpus: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadavg1AtStart: loadAtStart,
      loadavg1AtEnd: loadavg()[0],
    },
    help: { targetMs: HELP_TARGET_MS, pass: rows[0].medianMs <= HELP_TARGET_MS, rows },
    status,
    reproduce: `npm run bench -- cli --runs ${o.runs} --wrapper-runs ${o.wrapperRuns} --status-runs ${o.statusRuns}${o.lab ? ` --lab ${o.lab}` : ''}`,
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  const file = join(ctx.resultsDir, `cli-${timestamp(started)}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return { ...doc, file };
}

const verdict = (pass: boolean) => (pass ? 'within' : 'OVER');

/** The human table. Pure. */
export function renderCliBench(r: Omit<CliBenchResult, 'file'> & { file?: string }): string {
  const line = (t: TimedRow) => `| ${t.how} | \`${t.cmd}\` | ${t.runs} | ${t.medianMs} | ${t.p90Ms} | ${t.minMs}–${t.maxMs} |`;
  const status = r.status.ran
    ? [`| status | \`${r.status.cmd}\` | ${r.status.runs} | ${r.status.medianMs} | ${r.status.p90Ms} | ${r.status.minMs}–${r.status.maxMs} |`]
    : [];
  return [
    '| way in | command | runs | median ms | p90 ms | min–max ms |',
    '|---|---|---|---|---|---|',
    ...r.help.rows.map(line),
    ...status,
    '',
    `--help from the bin: median ${r.help.rows[0].medianMs} ms, ${verdict(r.help.pass)} the ${r.help.targetMs} ms target.`,
    r.status.ran
      ? `status on lab ${r.status.lab}: median ${r.status.medianMs} ms, ${verdict(r.status.pass)} the ${r.status.targetMs} ms target.`
      : `status did not run: ${r.status.reason}.`,
    `${r.machine.cpus} CPUs, load average ${r.machine.loadavg1AtStart.toFixed(2)} at the start, ${r.machine.loadavg1AtEnd.toFixed(2)} at the end.`,
    ...(r.file ? [`result: ${r.file}`] : []),
  ].join('\n');
}
