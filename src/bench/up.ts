// `npm run bench -- up`: where `up` spends its time, against the "Docker
// floor" measured in the same run: the same number of bare containers
// (`sleep infinity` in the router image), on the same networks, created and
// started all at once by the same engine. The promise is the ratio, not the
// seconds: absolute times differ between machines, the ratio much less.
// The floor through the docker CLI (as first measured by hand) is reported
// too, and where `up`'s CPU goes: on 2 cores, CPU-seconds / 2 is a wall time
// no `up` can beat.
//
//   cold   images removed first, so mmdebstrap + docker import are included
//   warm   images cached, from nothing (no container, no network)
//   reup   `up` again with nothing changed
//   down   removing the lab
//   scale  generated labs of N PoPs: time to converged and memory per router
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { writeArtifacts } from '../lab/artifacts.js';
import { labDown } from '../lab/down.js';
import { type PlanPaths, planLab } from '../lab/plan.js';
import type { Progress } from '../lab/progress.js';
import { labUp, type UpOptions, type UpPhases, type UpResult } from '../lab/up.js';
import { ensureImages } from '../runtime/ensure-images.js';
import { LABEL, labLabels } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import { generate } from '../topology/generate.js';
import { loadLabFile, parseLab } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import { timestamp } from '../util/timestamp.js';
import { breakdown, type CpuBreakdown, containerCpuS, engineDelta, engineSnapshot } from './cpu.js';
import { reasonOf } from './reason.js';

export interface Series {
  ms: number[];
  median: number;
  min: number;
  max: number;
}

/** CPU time the whole machine spent (user+nice+system+irq+softirq+steal), in s: what the floor and `up` cost, not just how long they took. */
function machineCpuS(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / 100;
}

/**
 * Waits until the machine is quiet: under 15 % of its CPU busy over 2 s, for
 * at most `maxMs`. Removing a lab leaves the kernel tearing down its network
 * namespaces and veths for a while after `docker rm` returns (kernel workers,
 * under the lock that creating the next ones needs), so a run started at once
 * pays for its predecessor. Both the floor and `up` start from here.
 */
async function settle(maxMs = 120_000): Promise<number> {
  const t0 = performance.now();
  const cores = availableParallelism();
  for (;;) {
    const c0 = machineCpuS();
    await new Promise((r) => setTimeout(r, 2000));
    if ((machineCpuS() - c0) / (2 * cores) < 0.15 || performance.now() - t0 > maxMs) return Math.round(performance.now() - t0);
  }
}

export function series(ms: number[]): Series {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? NaN : s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
  return { ms, median, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

/** Median of each phase over several `up` runs. */
export function medianPhases(runs: UpPhases[]): UpPhases {
  const keys = Object.keys(runs[0] ?? {}) as (keyof UpPhases)[];
  return Object.fromEntries(keys.map((k) => [k, series(runs.map((r) => r[k])).median])) as unknown as UpPhases;
}

export interface ScaleRow {
  pops: number;
  transits: number;
  eyeballs: number;
  routers: number;
  clients: number;
  networks: number;
  upMs: number;
  /** The Docker floor of this lab (one run, just before its `up`), and `up` as a multiple of it. */
  floorMs?: number;
  ratioToFloor?: number;
  phases: UpPhases;
  /** Memory of router containers (cgroup usage less page cache, as `docker stats`), MB. */
  routerMemMB: { median: number; max: number; byRole: Record<string, number> };
  /** Where the machine's CPU went during this `up` (absent in files from before it was measured). */
  cpuWhere?: CpuBreakdown;
  /** The converged lab left alone for `seconds`: the machine's busy % and where that CPU went (absent before 2026-12-07). */
  idle?: { seconds: number; busyPct: number; cpu: CpuBreakdown };
  /** With --scale-reps > 1: every run; the row's ratio is their median, its up and floor ms the medians of each. */
  runs?: ScaleRun[];
}

/** `up` of `lab`, and where the machine's CPU went meanwhile: the engine's processes, the lab's containers by role, this process. */
function upWithCpu(rt: ContainerRuntime, lab: Lab, opts: UpOptions): Promise<{ value: UpResult; cpu: CpuBreakdown }> {
  return cpuAround(rt, lab.name, () => labUp(rt, lab, opts));
}

/** Where the machine's CPU went while `work` ran; each container counts from the start (0 if it did not run yet). */
async function cpuAround<T>(rt: ContainerRuntime, labName: string, work: () => Promise<T>): Promise<{ value: T; cpu: CpuBreakdown }> {
  const containerCpu = async () =>
    new Map((await rt.listContainers({ [LABEL.lab]: labName })).map((c) => [c.id, { role: c.labels[LABEL.role] ?? '?', cpuS: containerCpuS(c.id) ?? 0 }]));
  const before = await containerCpu();
  const c0 = machineCpuS();
  const e0 = engineSnapshot();
  const p0 = process.cpuUsage();
  const value = await work();
  const totalS = machineCpuS() - c0;
  const p1 = process.cpuUsage(p0);
  const after = await containerCpu();
  const cpu = breakdown(
    totalS,
    engineDelta(e0, engineSnapshot()),
    [...after].map(([id, c]) => ({ role: c.role, cpuS: c.cpuS - (before.get(id)?.cpuS ?? 0) })),
    (p1.user + p1.system) / 1e6,
  );
  return { value, cpu };
}

/** One run of a generated lab: its floor, then its `up`; the lab left up. */
interface ScaleRun {
  upMs: number;
  floorMs: number;
  ratio: number;
}

/**
 * A generated lab of `pops` PoPs, `reps` times: each time settle, its own
 * Docker floor, settle, `up` (the floor and `up` alternate, so both see the
 * same machine), and `down`. The row gives the medians; memory, phases and
 * CPU come from the run whose ratio is the median, measured before its `down`.
 */
async function scaleRow(
  ctx: UpBenchDeps,
  pops: number,
  reps: number,
  env: { images: { router: string; client: string }; paths: { configRoot: string }; agentDir: string },
): Promise<ScaleRow> {
  const { log } = ctx;
  const quiet: Progress = { step() {} };
  const g = generate({ pops, transits: Math.max(2, Math.floor(pops / 4)), eyeballs: Math.max(4, Math.floor(pops / 4)) });
  const gl = parseLab(g.yaml, `${g.name}.yaml`);
  log.step('bench', 'scale', `${g.name}: ${g.counts.routers} routers, ${g.counts.clients} clients, ${g.counts.links + g.counts.lans} networks`);
  const runs: (ScaleRun & { detail: Pick<ScaleRow, 'phases' | 'routerMemMB' | 'cpuWhere' | 'idle'> })[] = [];
  for (let i = 0; i < reps; i++) {
    // Its own floor: whether `up`'s cost over bare containers amortizes as the lab grows.
    log.step('bench', 'scale', `machine quiet after ${await settle()} ms`);
    const floorMs = await dockerFloor(ctx.rt, gl, env.images, { ...env.paths, agentDir: env.agentDir });
    log.step('bench', 'scale', `machine quiet after ${await settle()} ms`);
    const { value: r, cpu: cpuWhere } = await upWithCpu(ctx.rt, gl, { progress: quiet, paths: env.paths, timeoutMs: 300_000 });
    const routerMemMB = await routerMemory(ctx.rt, gl.name);
    // What the converged lab costs doing nothing but BFD, BGP keepalives and health checks.
    const { cpu: idleCpu } = await cpuAround(ctx.rt, gl.name, () => sleep(IDLE_WINDOW_MS));
    const idle = {
      seconds: IDLE_WINDOW_MS / 1000,
      busyPct: Math.round((100 * idleCpu.totalS) / (IDLE_WINDOW_MS / 1000) / availableParallelism()),
      cpu: idleCpu,
    };
    runs.push({ upMs: r.wallMs, floorMs, ratio: round2(r.wallMs / floorMs), detail: { phases: r.phases, routerMemMB, cpuWhere, idle } });
    log.step(
      'bench',
      'scale',
      `${g.name}${reps > 1 ? ` ${i + 1}/${reps}` : ''}: converged in ${r.wallMs} ms (${runs[i].ratio}× its floor of ${floorMs} ms); router memory median ${routerMemMB.median} MB, max ${routerMemMB.max} MB; idle ${idle.busyPct} % busy`,
    );
    await labDown(ctx.rt, gl.name, quiet, env.images.router);
  }
  const byRatio = [...runs].sort((a, b) => a.ratio - b.ratio);
  const mid = byRatio[Math.floor((byRatio.length - 1) / 2)];
  return {
    pops,
    transits: g.size.transits,
    eyeballs: g.size.eyeballs,
    routers: g.counts.routers,
    clients: g.counts.clients,
    networks: g.counts.links + g.counts.lans,
    upMs: series(runs.map((x) => x.upMs)).median,
    floorMs: series(runs.map((x) => x.floorMs)).median,
    ratioToFloor: mid.ratio,
    ...mid.detail,
    ...(reps > 1 ? { runs: runs.map(({ upMs, floorMs, ratio }) => ({ upMs, floorMs, ratio })) } : {}),
  };
}

/** Memory of the lab's router containers (cgroup usage less page cache, as `docker stats`), MB: median, max, and the median per role. */
async function routerMemory(rt: ContainerRuntime, labName: string): Promise<ScaleRow['routerMemMB']> {
  const containers = await rt.listContainers({ [LABEL.lab]: labName, [LABEL.kind]: 'router' });
  const mem = await Promise.all(containers.map(async (c) => ({ role: c.labels[LABEL.role], mb: (await rt.stats(c.id)).memoryBytes / 2 ** 20 })));
  const byRole: Record<string, number> = {};
  for (const role of new Set(mem.map((m) => m.role))) byRole[role] = round1(series(mem.filter((m) => m.role === role).map((m) => m.mb)).median);
  const s = series(mem.map((m) => m.mb));
  return { median: round1(s.median), max: round1(s.max), byRole };
}

/** How long the running lab is watched, idle, for its CPU. */
const IDLE_WINDOW_MS = 10_000;

/**
 * The floor: create the lab's networks, then every container at once with no
 * work inside, and wait until all run. Same engine, same networks, same
 * count, same image; nothing of FRR, agents or convergence.
 */
async function dockerFloor(
  rt: ContainerRuntime,
  lab: Lab,
  images: { router: string; client: string },
  paths: PlanPaths,
  cpu?: (s: number) => void,
): Promise<number> {
  const floorLab = `${lab.name}-floor`;
  const plan = planLab(lab, images, paths);
  const t0 = performance.now();
  const c0 = machineCpuS();
  const nets = plan.networks.map((n) => ({ ...n, name: n.name.replace(`al-${lab.name}-`, `al-${floorLab}-`), labels: { ...n.labels, [LABEL.lab]: floorLab } }));
  try {
    await Promise.all(nets.map((n) => rt.createNetwork(n)));
    await Promise.all(
      plan.nodes.map(async (n) => {
        const id = await rt.createContainer({
          name: n.spec.name.replace(`al-${lab.name}-`, `al-${floorLab}-`),
          image: images.router,
          labels: labLabels(floorLab, n.node, n.role, n.role === 'client' ? 'client' : 'router'),
          cmd: ['sleep', 'infinity'],
          init: true,
          networks: n.spec.networks?.map((a) => ({ ...a, network: a.network.replace(`al-${lab.name}-`, `al-${floorLab}-`) })),
        });
        await rt.startContainer(id);
      }),
    );
    cpu?.(machineCpuS() - c0);
    return Math.round(performance.now() - t0);
  } finally {
    await labDown(rt, floorLab, { step() {} });
  }
}

/**
 * The floor as the issue first measured it: the same networks and bare
 * containers through the `docker` CLI (`network create`, `run -d`, `network
 * connect`), all at once. Each CLI call is a process of its own, so this costs
 * more CPU than the API floor; both are reported.
 */
async function dockerCliFloor(rt: ContainerRuntime, lab: Lab, images: { router: string; client: string }, paths: PlanPaths): Promise<number> {
  const floorLab = `${lab.name}-clifloor`;
  const rename = (name: string) => name.replace(`al-${lab.name}-`, `al-${floorLab}-`);
  const plan = planLab(lab, images, paths);
  const docker = (...args: string[]) => run('docker', args, { timeout: 120_000 });
  const labels = (l: Record<string, string>) => Object.entries(l).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const t0 = performance.now();
  try {
    await Promise.all(
      plan.networks.map((n) =>
        docker(
          'network',
          'create',
          '--internal',
          '--subnet',
          n.subnet,
          '--gateway',
          n.gateway,
          ...labels({ ...n.labels, [LABEL.lab]: floorLab }),
          rename(n.name),
        ),
      ),
    );
    await Promise.all(
      plan.nodes.map(async (n) => {
        const [first, ...rest] = (n.spec.networks ?? []).map((a) => ({ ...a, network: rename(a.network) }));
        const name = rename(n.spec.name);
        const lbl = labels(labLabels(floorLab, n.node, n.role, n.role === 'client' ? 'client' : 'router'));
        const net = first ? ['--network', first.network, '--ip', first.ipv4] : [];
        await docker('create', '--init', '--name', name, ...lbl, ...net, images.router, 'sleep', 'infinity');
        for (const a of rest) await docker('network', 'connect', '--ip', a.ipv4, a.network, name);
        await docker('start', name);
      }),
    );
    return Math.round(performance.now() - t0);
  } finally {
    await labDown(rt, floorLab, { step() {} });
  }
}

export interface UpBenchDeps {
  rt: ContainerRuntime;
  configRoot: string;
  /** Where the result file goes (bench/results/). */
  resultsDir: string;
  log: Progress;
}

export interface UpBenchOptions {
  labFile: string;
  reps: number;
  /** 0 skips the cold runs. */
  coldReps: number;
  /** PoP counts of generated labs. */
  scale: number[];
  /** Runs of each generated lab (floor, then `up`); the row is their median. Default 1. */
  scaleReps?: number;
  /** 0 skips the runs under CPU contention. */
  contentionRuns: number;
}

export type UpBenchResult = Awaited<ReturnType<typeof runUpBench>>;

export async function runUpBench(ctx: UpBenchDeps, o: UpBenchOptions) {
  const { reps, coldReps, contentionRuns } = o;
  const log = ctx.log;
  const lab = loadLabFile(o.labFile);
  const quiet: Progress = { step() {} };
  const paths = { configRoot: ctx.configRoot };
  await labDown(ctx.rt, undefined, quiet);

  const cold: number[] = [];
  for (let i = 0; i < coldReps; i++) {
    log.step('bench', 'cold', `${i + 1}/${coldReps}: removing the lab's images, then up`);
    const refs = await ensureImages(ctx.rt, {});
    for (const ref of [refs.router, refs.client]) await ctx.rt.removeImage(ref).catch(() => undefined);
    cold.push((await labUp(ctx.rt, lab, { progress: quiet, paths })).wallMs);
    await labDown(ctx.rt, lab.name, quiet);
  }

  const images = await ensureImages(ctx.rt, {});
  const { agentDir } = await writeArtifacts(lab, ctx.configRoot);
  const plan = planLab(lab, images, { ...paths, agentDir });
  const floor: number[] = [];
  const cliFloor: number[] = [];
  const cpuWhere: CpuBreakdown[] = [];
  const floorCpu: number[] = [];
  const warmCpu: number[] = [];
  const warm: number[] = [];
  const warmPhases: UpPhases[] = [];
  const reup: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < reps; i++) {
    // Floor and lab alternate, so both see the same machine state.
    floor.push(await dockerFloor(ctx.rt, lab, images, { ...paths, agentDir }, (s) => floorCpu.push(s)));
    log.step('bench', 'floor', `${i + 1}/${reps}: ${floor[i]} ms for ${plan.nodes.length} bare containers`);
    cliFloor.push(await dockerCliFloor(ctx.rt, lab, images, { ...paths, agentDir }));
    log.step('bench', 'floor', `${i + 1}/${reps}: ${cliFloor[i]} ms for the same through the docker CLI`);
    const { value: r, cpu } = await upWithCpu(ctx.rt, lab, { progress: quiet, paths });
    cpuWhere.push(cpu);
    warmCpu.push(cpu.totalS);
    warm.push(r.wallMs);
    warmPhases.push(r.phases);
    log.step('bench', 'warm', `${i + 1}/${reps}: ${r.wallMs} ms (${(r.wallMs / floor[i]).toFixed(2)}× this floor)`);
    const again = await labUp(ctx.rt, lab, { progress: quiet, paths });
    reup.push(again.wallMs);
    const t = performance.now();
    // As `npm run lab -- down` does it: containers, networks and the host rules.
    await labDown(ctx.rt, lab.name, quiet, images.router);
    down.push(Math.round(performance.now() - t));
    log.step('bench', 'reup/down', `${i + 1}/${reps}: re-up ${again.wallMs} ms (created ${again.created.containers.length}), down ${down[i]} ms`);
  }

  const scale: ScaleRow[] = [];
  for (const pops of o.scale) scale.push(await scaleRow(ctx, pops, o.scaleReps ?? 1, { images, paths, agentDir }));

  // Two busy loops for the whole of each run, bounded by `timeout` so they
  // stop even if this process dies; killed as soon as the run is over.
  const contention: { ok: boolean; ms: number; repaired: string[]; error?: string }[] = [];
  for (let i = 0; i < contentionRuns; i++) {
    await labDown(ctx.rt, lab.name, quiet);
    const { spawn } = await import('node:child_process');
    const load = [0, 1].map(() => spawn('timeout', ['200', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
    try {
      const r = await labUp(ctx.rt, lab, { progress: quiet, paths, timeoutMs: 120_000 });
      contention.push({ ok: true, ms: r.wallMs, repaired: r.repaired });
    } catch (err) {
      contention.push({ ok: false, ms: NaN, repaired: [], error: reasonOf(err) });
    } finally {
      for (const p of load) p.kill('SIGTERM'); // `timeout` passes TERM on to node; SIGKILL would orphan the loop
    }
    const c = contention[i];
    log.step(
      'bench',
      'contention',
      `${i + 1}/${contentionRuns}: ${c.ok ? `converged in ${c.ms} ms${c.repaired.length ? `, repaired ${c.repaired.join(', ')}` : ''}` : `FAILED: ${c.error}`}`,
    );
  }
  if (contentionRuns) await labDown(ctx.rt, lab.name, quiet, images.router);

  const f = series(floor);
  const fc = series(cliFloor);
  const w = series(warm);
  const cores = (await import('node:os')).cpus().length;
  const warmCpuMedian = series(warmCpu.map(round1)).median;
  const result = {
    bench: 'up',
    at: new Date().toISOString(),
    // Containers and networks as `up` makes them (the route collector and its LAN included).
    lab: {
      file: o.labFile,
      name: lab.name,
      routers: lab.routers.length,
      clients: lab.clients.length,
      containers: plan.nodes.length,
      networks: plan.networks.length,
    },
    machine: { cpus: (await import('node:os')).cpus().length, memGiB: Math.round((await import('node:os')).totalmem() / 2 ** 30) },
    reps,
    floorMs: f,
    warmMs: w,
    ratioToFloor: round2(w.median / f.median),
    cliFloorMs: fc,
    ratioToCliFloor: round2(w.median / fc.median),
    // Machine CPU-seconds (all processes, /proc/stat) while each ran: the floor's
    // creation and start only; `up` from start to clients answered.
    cpuS: { floor: series(floorCpu.map(round1)).median, warm: warmCpuMedian, cores },
    // The shortest `up` these CPU-seconds allow with every core busy all the time, as a ratio to the floor.
    cpuBoundRatio: round2(warmCpuMedian / cores / (f.median / 1000)),
    // Where the CPU of the warm run with the median wall time went.
    cpuWhere: cpuWhere[warm.indexOf(w.median)] ?? cpuWhere[0],
    warmPhasesMedianMs: medianPhases(warmPhases),
    reupMs: series(reup),
    downMs: series(down),
    coldMs: series(cold),
    scale,
    contention: contentionRuns
      ? {
          runs: contentionRuns,
          converged: contention.filter((c) => c.ok).length,
          ms: series(contention.filter((c) => c.ok).map((c) => c.ms)),
          details: contention,
        }
      : undefined,
    reproduce: `npm run bench -- up --reps ${reps} --cold-reps ${coldReps}${o.scale.length ? ` --scale ${o.scale.join(',')}` : ''}${(o.scaleReps ?? 1) > 1 ? ` --scale-reps ${o.scaleReps}` : ''}${contentionRuns ? ` --contention ${contentionRuns}` : ''}`,
  };
  mkdirSync(ctx.resultsDir, { recursive: true });
  const file = join(ctx.resultsDir, `up-${timestamp()}.json`);
  writeFileSync(file, `${JSON.stringify(versioned(result), null, 2)}\n`);
  return { ...result, file };
}

/** The human summary of `bench up`. */
export function renderUpBench(r: UpBenchResult): string {
  const { floorMs: f, warmMs: w, cliFloorMs: fc } = r;
  const cold = r.coldMs.ms;
  return [
    `up bench (${r.lab.name}: ${r.lab.routers} routers, ${r.lab.clients} clients; ${r.reps} reps; medians)`,
    `  Docker floor  ${f.median} ms  (${f.min}–${f.max})`,
    `  warm up       ${w.median} ms  (${w.min}–${w.max})  = ${r.ratioToFloor}× floor`,
    `  CLI floor     ${fc.median} ms  (${fc.min}–${fc.max})  warm up = ${r.ratioToCliFloor}× this floor`,
    `  CPU-seconds   floor ${r.cpuS.floor}, warm up ${r.cpuS.warm} (median; ${r.cpuS.cores} cores): no up can beat ${r.cpuBoundRatio}× the floor here`,
    ...(r.cpuWhere ? [`  up's CPU      ${cpuLine(r.cpuWhere)}`] : []),
    `  re-up         ${r.reupMs.median} ms`,
    `  down          ${r.downMs.median} ms`,
    ...(cold.length ? [`  cold up       ${r.coldMs.median} ms (${cold.length} rep${cold.length > 1 ? 's' : ''})`] : []),
    `  phases (ms since start, median): ${Object.entries(r.warmPhasesMedianMs)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...(r.contention ? [`  under two CPU-bound processes: converged ${r.contention.converged}/${r.contention.runs}, median ${r.contention.ms.median} ms`] : []),
    ...r.scale.map(
      (s) =>
        `  scale ${s.pops} PoPs/${s.transits} transits/${s.eyeballs} eyeballs (${s.routers} routers): ${s.upMs} ms${s.floorMs ? ` (${s.ratioToFloor}× its floor of ${s.floorMs} ms)` : ''}; router memory median ${s.routerMemMB.median} MB, max ${s.routerMemMB.max} MB${s.idle ? `; idle ${s.idle.busyPct} % busy` : ''}`,
    ),
    `  → ${r.file}`,
  ].join('\n');
}

const run = promisify(execFile);

function cpuLine(c: CpuBreakdown): string {
  const parts = [
    ...Object.entries(c.engine),
    ...Object.entries(c.containersByRole).map(([k, v]) => [`${k} containers`, v] as const),
    ['orchestrator', c.orchestratorS] as const,
    ['other', c.otherS] as const,
  ];
  return `${c.totalS} s = ${parts.map(([k, v]) => `${k} ${v}`).join(', ')}`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
