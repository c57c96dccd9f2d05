// `npm run bench -- bfd-remedy [--interval 20] [--seconds 60]`: the two
// remedies FRR offers when fast BFD flaps on a busy machine, measured against
// plain BFD at the same detection time:
//   plain    control packets every <interval> ms (what the lab file does)
//   rt       the same, with every router's bfdd SCHED_FIFO 50 (real-time)
//   echo     control packets every 300 ms; echo packets, looped back by the
//            peer's kernel, every <interval> ms (RFC 5880 §6.4), so the peer's
//            bfdd need not be scheduled to keep the session up
//   echo+rt  both
// Unlike `bench soak`, nothing has to settle first: a setting is applied live
// to every session, left alone for a warm-up, then BFD session-down events
// and BGP drops are counted from FRR's counters for a fixed time.
//
// Real-time needs an RT budget in the container's cgroup, which Docker gives
// only when dockerd runs with --cpu-rt-runtime; this bench writes the budget
// into the cgroup-v1 files itself (root on the host) and puts everything back.
// A budget that bfdd exhausts throttles it for the rest of the 1 s period, so
// the budget per router is recorded with the result.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../errors.js';
import { applyBfd, bfdCommands, withBfd } from '../experiment/bfd-override.js';
import type { Progress } from '../lab/progress.js';
import { readRouterState, vtysh } from '../lab/router-query.js';
import { runningLab } from '../lab/running-lab.js';
import { bfdProfileName } from '../render/bfd-profiles.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import type { BfdOptions, Lab } from '../topology/model.js';
import { timestamp } from '../util/timestamp.js';
import { hold } from '../util/wait.js';
import { reasonOf } from './reason.js';
import { type FlapCounters, flapDelta, readCounters as readFlapCounters } from './soak.js';

const run = promisify(execFile);

export const REMEDY_VARIANTS = ['plain', 'rt', 'echo', 'echo+rt'] as const;
export type RemedyVariant = (typeof REMEDY_VARIANTS)[number];

/** Control-packet interval when echo carries detection: FRR's default. */
const ECHO_CONTROL_MS = 300;
/** Below the root's 950 ms per second, leaving room for anything else real-time. */
const RT_TOTAL_US = 900_000;

export interface RemedyRow {
  variant: RemedyVariant;
  /** What the sessions ran: e.g. "20x3" or "echo 20x3, control 300x3". */
  bfd: string;
  error?: string;
  bfdDown?: number;
  bgpDropped?: number;
  byRouter?: Record<string, FlapCounters>;
  /** BFD peers up / all, at the end of the window. */
  peersUpAtEnd?: string;
  /** 1-minute load average at the end of the window. */
  load?: number;
}

export interface RemedyBenchDeps {
  rt: ContainerRuntime;
  progress: Progress;
  signal: AbortSignal;
  resultsDir: string;
}

export interface RemedyBenchOptions {
  interval: number;
  multiplier: number;
  seconds: number;
  warmupSeconds: number;
  variants: RemedyVariant[];
  lab?: string;
}

export function parseVariants(list: string): RemedyVariant[] {
  const out = list.split(',').map((v) => v.trim());
  const bad = out.filter((v) => !(REMEDY_VARIANTS as readonly string[]).includes(v));
  if (bad.length) throw new LabError('USAGE', `Expected \`--variants\` from ${REMEDY_VARIANTS.join(', ')}, got "${bad.join(', ')}"`);
  return out as RemedyVariant[];
}

/** The vtysh lines for one router: the lab's sessions on `bfd`, with echo mode on or off in that profile. */
export function remedyCommands(lab: Lab, router: string, bfd: BfdOptions, echoMs: number | undefined): string[] {
  const lines = bfdCommands(withBfd(lab, bfd), router);
  const at = lines.findIndex((l) => l.startsWith('detect-multiplier'));
  const echo = echoMs === undefined ? ['no echo-mode'] : ['echo-mode', `echo transmit-interval ${echoMs}`, `echo receive-interval ${echoMs}`];
  return at < 0 ? lines : [...lines.slice(0, at + 1), ...echo, ...lines.slice(at + 1)];
}

/** Host pids of the processes named `comm` in a cgroup: its own process list, no walk over all of /proc. */
function pidsNamed(cgroupDir: string, comm: string): number[] {
  return readFileSync(join(cgroupDir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
      } catch {
        return false; // exited while we looked
      }
    });
}

/** The cgroup-v1 cpu directory of a process, if RT group scheduling is there. */
function rtCgroupOf(pid: number): string | undefined {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => /^\d+:(cpu|cpu,cpuacct|cpuacct,cpu):/.test(l));
  const dir = line && join('/sys/fs/cgroup/cpu', line.split(':')[2]);
  return dir && existsSync(join(dir, 'cpu.rt_runtime_us')) ? dir : undefined;
}

interface RtTarget {
  cgroup: string;
  pids: number[];
}

async function rtTargets(rt: ContainerRuntime, lab: Lab): Promise<RtTarget[]> {
  const out: RtTarget[] = [];
  for (const r of lab.routers) {
    const c = await rt.inspectContainer(containerName(lab.name, r.name));
    if (!c) throw new LabError('NOT_FOUND', `router ${r.name} is not running`);
    // The container's init process is in the same cgroup as bfdd.
    const cgroup = rtCgroupOf(c.pid);
    if (!cgroup)
      throw new LabError('HOST_CAPABILITY', `${r.name}: no cgroup-v1 cpu.rt_runtime_us for bfdd (real-time group scheduling is not available on this host)`);
    const pids = pidsNamed(cgroup, 'bfdd');
    if (!pids.length) throw new LabError('NOT_FOUND', `${r.name}: no bfdd process running`);
    out.push({ cgroup, pids });
  }
  return out;
}

/** Budgets first (parent before children when raising, children before parent when lowering), then the policy of every bfdd thread. */
async function setRealtime(targets: RtTarget[], perRouterUs: number): Promise<void> {
  const parents = [...new Set(targets.map((t) => dirname(t.cgroup)))];
  const write = (dir: string, us: number) => writeFileSync(join(dir, 'cpu.rt_runtime_us'), String(us));
  if (perRouterUs > 0) {
    for (const p of parents) write(p, perRouterUs * targets.filter((t) => dirname(t.cgroup) === p).length);
    for (const t of targets) write(t.cgroup, perRouterUs);
  }
  for (const t of targets)
    for (const pid of t.pids) await run('chrt', perRouterUs > 0 ? ['-a', '-f', '-p', '50', String(pid)] : ['-a', '-o', '-p', '0', String(pid)]);
  if (perRouterUs === 0) {
    for (const t of targets) write(t.cgroup, 0);
    for (const p of parents) write(p, 0);
  }
}

async function peersUp(rt: ContainerRuntime, lab: Lab): Promise<string> {
  const states = await Promise.all(lab.routers.map((r) => readRouterState(rt, containerName(lab.name, r.name))));
  const all = states.flatMap((s) => s.bfd);
  return `${all.filter((p) => p.status === 'up').length}/${all.length}`;
}

export type RemedyBenchResult = Awaited<ReturnType<typeof runBfdRemedyBench>>;

export async function runBfdRemedyBench(ctx: RemedyBenchDeps, o: RemedyBenchOptions) {
  const { rt, progress } = ctx;
  const lab = await runningLab(rt, o.lab);
  const started = new Date();
  const loadAtStart = loadavg()[0];
  const perRouterUs = Math.floor(RT_TOTAL_US / lab.routers.length);
  const rows: RemedyRow[] = [];
  let rtState: RtTarget[] | undefined;
  const profiles = new Set<string>();
  try {
    for (const variant of o.variants) {
      const echo = variant.startsWith('echo');
      const bfd: BfdOptions = { enabled: true, interval: echo ? ECHO_CONTROL_MS : o.interval, multiplier: o.multiplier };
      const row: RemedyRow = {
        variant,
        bfd: echo ? `echo ${o.interval}x${o.multiplier}, control ${bfd.interval}x${o.multiplier}` : `${o.interval}x${o.multiplier}`,
      };
      rows.push(row);
      try {
        profiles.add(bfdProfileName(bfd));
        await Promise.all(
          lab.routers.map((r) => vtysh(rt, containerName(lab.name, r.name), ...remedyCommands(lab, r.name, bfd, echo ? o.interval : undefined))),
        );
        if (variant.endsWith('rt')) {
          rtState ??= await rtTargets(rt, lab);
          await setRealtime(rtState, perRouterUs);
        } else if (rtState) await setRealtime(rtState, 0);
        progress.step(
          'bfd-remedy',
          variant,
          `${row.bfd} on every session${variant.endsWith('rt') ? `, bfdd real-time (${perRouterUs / 1000} ms/s each)` : ''}; warm-up ${o.warmupSeconds} s`,
        );
        await hold(o.warmupSeconds * 1000, ctx.signal);
        const c0 = await readFlapCounters(rt, lab);
        await hold(o.seconds * 1000, ctx.signal);
        const d = flapDelta(c0, await readFlapCounters(rt, lab));
        Object.assign(row, {
          bfdDown: d.total.bfdDown,
          bgpDropped: d.total.bgpDropped,
          byRouter: d.byRouter,
          peersUpAtEnd: await peersUp(rt, lab),
          load: loadavg()[0],
        });
        progress.step('bfd-remedy', variant, `${row.bfdDown} BFD down, ${row.bgpDropped} BGP drops in ${o.seconds} s; peers up at the end ${row.peersUpAtEnd}`);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        row.error = reasonOf(err);
        progress.step('bfd-remedy', variant, `cannot run: ${row.error}`);
      }
    }
  } finally {
    // Whatever happened: ordinary scheduling, no RT budget, the lab file's BFD.
    if (rtState) await setRealtime(rtState, 0).catch(() => undefined);
    await Promise.all(
      lab.routers.map((r) =>
        vtysh(rt, containerName(lab.name, r.name), 'configure', 'bfd', ...[...profiles].flatMap((p) => [`profile ${p}`, 'no echo-mode', 'exit'])).catch(
          () => undefined,
        ),
      ),
    );
    // bfdCommands keeps every profile a router's own lab-file sessions use.
    await applyBfd(rt, lab, { timeoutMs: 120_000, dropProfiles: [...profiles] });
  }
  const doc = {
    bench: 'bfd-remedy',
    startedAt: started.toISOString(),
    lab: lab.name,
    routers: lab.routers.length,
    sessions: lab.links.filter((l) => l.bfd.enabled).length,
    interval: o.interval,
    multiplier: o.multiplier,
    warmupSeconds: o.warmupSeconds,
    seconds: o.seconds,
    rtBudgetUsPerRouter: perRouterUs,
    environment: { cpus: cpus().length, loadAtStart },
    reproduce: `npm run bench -- bfd-remedy --interval ${o.interval} --multiplier ${o.multiplier} --seconds ${o.seconds} --variants ${o.variants.join(',')}`,
    rows,
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  const file = join(ctx.resultsDir, `bfd-remedy-${timestamp(started)}.json`);
  writeFileSync(file, `${JSON.stringify(versioned(doc), null, 2)}\n`);
  return { ...doc, file };
}

export function renderBfdRemedy(doc: RemedyBenchResult): string {
  return [
    `bfd-remedy (${doc.lab}: ${doc.routers} routers, ${doc.sessions} sessions; ${doc.seconds} s each after ${doc.warmupSeconds} s warm-up; RT budget ${doc.rtBudgetUsPerRouter / 1000} ms/s per router)`,
    ...doc.rows.map((r) =>
      r.error
        ? `  ${r.variant.padEnd(8)} cannot run: ${r.error}`
        : `  ${r.variant.padEnd(8)} ${r.bfd.padEnd(28)} ${String(r.bfdDown).padStart(5)} BFD down, ${String(r.bgpDropped).padStart(4)} BGP drops; up at end ${r.peersUpAtEnd}; load ${r.load?.toFixed(1)}`,
    ),
    `  → ${doc.file}`,
  ].join('\n');
}
