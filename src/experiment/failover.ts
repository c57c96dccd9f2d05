// Failover trials: break one PoP, time per client how long until another PoP
// answers, put the PoP back, time the failback, check the lab is back at
// baseline. One trial = baseline → probes → pre-fault window → inject →
// wait for every affected client to move → hold → restore (always) → failback
// → probes stopped → analysis. Times are CLOCK_MONOTONIC ms throughout.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { POP_PATHS } from '../agent/contract.js';
import { PROBE_DEFAULTS } from '../agent/probe/config.js';
import { LabError } from '../errors.js';
import type { DetectionMode } from '../fault/detection.js';
import type { FaultContext, FaultMode } from '../fault/index.js';
import { uplinksOf } from '../fault/uplinks.js';
import { waitBaseline } from './baseline.js';
import { applyBfd, withBfd, type BfdScope } from './bfd-override.js';
import type { Progress } from '../lab/progress.js';
import { readFrrLog, startRouteMonitor, type RouteMonitor } from './route-monitor.js';
import { startProbes, type ClientProbeRun, type ProbeRates } from '../probe/run-probes.js';
import type { Sample } from '../probe/sample.js';
import { bfdProfileName } from '../render/bfd-profiles.js';
import { renderTimeline } from '../report/svg-timeline.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { sessionsOf, type BfdOptions, type Lab } from '../topology/model.js';
import { newSeed, seededRandom } from '../util/rng.js';
import { hold, waitUntil } from '../util/wait.js';
import { boundFor, type Bound } from './failover-bounds.js';
import { analyzeClient, type ClientStatus } from './failover-clients.js';
import { analyzeStreams, countStreams, type StreamCounts, type StreamFailover } from './failover-streams.js';
import { summarizeFailover, type FailoverSummary, type TrialClientRow } from './failover-summary.js';
import { probePrecision } from './probe-precision.js';
import { frrEvents, routeChanges } from './router-events.js';

export interface Clock {
  /** CLOCK_MONOTONIC ms, the probes' clock. */
  monoMs(): number;
  /** Unix ms. */
  wallMs(): number;
}

export interface FailoverDeps {
  rt: ContainerRuntime;
  lab: Lab;
  /** Host dir of the rendered FRR configs (`kill` recreates from it). */
  configRoot: string;
  clock: Clock;
  progress: Progress;
  signal?: AbortSignal;
}

export interface FailoverOptions {
  pop: string;
  fault: FaultMode;
  trials: number;
  /** 'lab' = the lab file's BFD; otherwise sessions are reconfigured live for the run. */
  bfd: BfdOptions | 'lab';
  /** Which sessions get `bfd`: every one (default), or only the failed PoP's. */
  bfdScope?: BfdScope;
  /** Probing before the fault, ms (default 1500). */
  preFaultMs?: number;
  /** How long the fault stays after every affected client moved, ms (default 1500). */
  holdMs?: number;
  rates?: ProbeRates;
  /** Where SVG timelines go; none written when absent. */
  outDir?: string;
  baselineTimeoutMs?: number;
  failbackTimeoutMs?: number;
  /**
   * Seed of the random fault phase (default: a fresh one, recorded in the
   * result). Before each fault the runner waits a random delay, uniform over
   * one BFD interval (BFD on) or one keepalive interval (off), so trials are
   * not phase-locked to the timers that decide detection.
   */
  seed?: number;
}

export interface RequestKindResult {
  status: ClientStatus;
  failoverMs: number | null;
  outageMs: number | null;
}

export interface TrialClient extends TrialClientRow {
  failedAfterFault: number;
  failbackMs: number | null;
  failbackOutageMs: number | null;
  tcpDns: RequestKindResult;
  http: RequestKindResult;
  streams: StreamCounts & { details: StreamFailover[] };
  probes: { samples: number; lostSamples: number | null; udpPerS: number; udpMissing: number; cpuMs: number | null };
}

export interface RouterTiming {
  router: string;
  /** neighbour: a BGP peer of the failed PoP; eyeball: the router in front of an affected client. */
  role: 'neighbour' | 'eyeball';
  /** Times relative to the fault, ms. */
  bfdDownMs: number | null;
  holdExpiredMs: number | null;
  bgpDownMs: number | null;
  /** First change of the FIB entry for the anycast prefix after the fault. */
  routeChangeMs: number | null;
  routeChange?: string;
}

export interface TrialResult {
  trial: number;
  /** The random wait before the fault (see FailoverOptions.seed), ms. */
  phaseDelayMs: number;
  faultMs: number;
  /** The fault as Unix ms, to line it up with other clocks (tcpdump, logs). */
  faultAtUnixMs: number;
  restoreMs: number;
  /** How long inject() took (an API call or a few execs). */
  injectMs: number;
  allMoved: boolean;
  /** restore → every affected client answered by the PoP again. */
  failbackMs: number | null;
  /** restore → the whole lab back at baseline (sessions, BFD, routes, catchment). */
  baselineAfterMs: number | null;
  clients: TrialClient[];
  routers: RouterTiming[];
  /** PoP health-checker transitions after the fault (ms relative to it). */
  health: { state: string; atMs: number; reason: string }[];
  svg?: string;
}

export interface FailoverResult {
  lab: string;
  pop: string;
  fault: string;
  detection: DetectionMode;
  bfd: string;
  timers: { keepaliveS: number; holdS: number };
  bound: Bound;
  /** Replays the same fault phases: `failover … --seed <seed>`. */
  seed: number;
  /** The random delay before each fault is uniform over [0, phaseSpanMs). */
  phaseSpanMs: number;
  /** UDP probe interval, ms: the unit of the per-client outage promises. */
  probeIntervalMs: number;
  trials: TrialResult[];
  summary: FailoverSummary;
  outDir?: string;
  wallMs: number;
}

const DEFAULTS = { preFaultMs: 1500, holdMs: 1500, baselineTimeoutMs: 90_000, failbackTimeoutMs: 60_000 };

/**
 * What the random fault phase spreads over: the timer that decides when a
 * silent fault is noticed. BFD on: one BFD interval; off: one BGP keepalive
 * interval (the hold timer restarts at each keepalive received).
 */
export function faultPhaseSpanMs(model: Lab, pop: string): number {
  const link = sessionsOf(model, pop)[0]?.link;
  if (!link) return 0;
  return link.bfd.enabled ? link.bfd.interval : link.timers.keepalive * 1000;
}

/** How long to wait for every affected client to move: the bound with room for propagation, capped. */
export function moveDeadlineMs(bound: Bound): number {
  if (!Number.isFinite(bound.ms)) return 30_000;
  return Math.min(60_000, Math.round(bound.ms * 1.5 + 3_000));
}

export const bfdLabel = (bfd: BfdOptions | 'lab', lab: Lab, scope: BfdScope = 'all'): string => {
  const b = bfd === 'lab' ? lab.links[0]?.bfd : bfd;
  return `${!b || !b.enabled ? 'off' : `${b.interval}x${b.multiplier}`}${bfd !== 'lab' && scope === 'pop' ? '@pop' : ''}`;
};

export async function runFailover(deps: FailoverDeps, opts: FailoverOptions): Promise<FailoverResult> {
  const { rt, lab, progress } = deps;
  const t0 = performance.now();
  const pop = lab.routers.find((r) => r.name === opts.pop);
  if (!pop || pop.role !== 'pop') {
    const pops = lab.routers.filter((r) => r.role === 'pop').map((r) => r.name);
    throw new LabError('USAGE', `Expected \`--pop\` to be one of the PoPs of lab "${lab.name}" (${pops.join(', ')}), got "${opts.pop}"`);
  }
  if (!Number.isInteger(opts.trials) || opts.trials < 1) throw new LabError('USAGE', `Expected \`--trials\` to be a positive integer, got ${opts.trials}`);
  const o = { ...DEFAULTS, ...opts };
  const scope = opts.bfdScope ?? 'all';
  const model = opts.bfd === 'lab' ? lab : withBfd(lab, opts.bfd, scope === 'pop' ? pop.name : undefined);
  const label = bfdLabel(opts.bfd, lab, scope);
  const bound = boundFor(model, pop.name, opts.fault.detection);
  const ctx: FaultContext = { rt, lab, pop: pop.name, progress, configRoot: deps.configRoot, prepared: {} };
  const trials: TrialResult[] = [];
  const seed = opts.seed ?? newSeed();
  const random = seededRandom(seed);
  const phaseSpanMs = faultPhaseSpanMs(model, pop.name);
  // Rates left out run at the agent's own defaults.
  const probeIntervalMs = opts.rates?.udpIntervalMs ?? PROBE_DEFAULTS.udpIntervalMs;
  if (o.outDir) await mkdir(o.outDir, { recursive: true });

  let failure: unknown;
  try {
    if (opts.bfd !== 'lab') {
      progress.step('lab', 'bfd', `${scope === 'pop' ? `${pop.name}'s sessions` : 'every session'} to ${bfdLabel(opts.bfd, lab)} (live, vtysh)`);
      await applyBfd(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
    }
    progress.step('lab', 'baseline', 'sessions, BFD, routes and catchment');
    let baseline = await waitBaseline(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
    for (let i = 1; i <= opts.trials; i++) {
      progress.step('trial', `${i}/${opts.trials}`, `${opts.fault.name} ${pop.name}, BFD ${label}`);
      const trial = await runTrial(deps, o, { model, ctx, bound, trial: i, catchment: baseline.catchment, phaseDelayMs: Math.round(random() * phaseSpanMs), label, probeIntervalMs });
      trials.push(trial);
      baseline = await waitBaseline(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
      // From restore: the time the lab needed to be whole again.
      trial.baselineAfterMs = Math.round(deps.clock.monoMs() - trial.restoreMs);
      progress.step('trial', `${i}/${opts.trials} done`, trialLine(trial));
    }
  } catch (err) {
    failure = err;
  } finally {
    if (opts.bfd !== 'lab') {
      progress.step('lab', 'bfd', 'back to the lab file');
      try {
        const temp = opts.bfd.enabled ? [bfdProfileName(opts.bfd)] : [];
        const keep = new Set(lab.links.filter((l) => l.bfd.enabled).map((l) => bfdProfileName(l.bfd)));
        await applyBfd(rt, lab, { timeoutMs: o.baselineTimeoutMs, dropProfiles: temp.filter((p) => !keep.has(p)) });
      } catch (err) {
        // The first failure is the one to report; a failed restore after it is a consequence.
        failure ??= err;
      }
    }
  }
  if (failure) throw failure;

  const timers = lab.links[0]?.timers ?? { keepalive: 0, hold: 0 };
  return {
    lab: lab.name,
    pop: pop.name,
    fault: opts.fault.name,
    detection: opts.fault.detection,
    bfd: label,
    timers: { keepaliveS: timers.keepalive, holdS: timers.hold },
    bound,
    seed,
    phaseSpanMs,
    probeIntervalMs,
    trials,
    summary: summarizeFailover(trials, bound),
    outDir: o.outDir,
    wallMs: Math.round(performance.now() - t0),
  };
}

interface TrialSetup {
  model: Lab;
  ctx: FaultContext;
  bound: Bound;
  trial: number;
  catchment: Record<string, string | null>;
  phaseDelayMs: number;
  /** The run's BFD setting as shown (e.g. 100x3, 20x3@pop). */
  label: string;
  probeIntervalMs: number;
}

async function runTrial(deps: FailoverDeps, o: FailoverOptions & typeof DEFAULTS, s: TrialSetup): Promise<TrialResult> {
  const { rt, clock, progress, signal } = deps;
  const { model, ctx } = s;
  const pop = ctx.pop;
  const affected = model.clients.filter((c) => s.catchment[c.name] === pop).map((c) => c.name);
  if (affected.length === 0) {
    throw new LabError('EXPERIMENT', `no client is answered by ${pop} (catchment: ${Object.entries(s.catchment).map(([c, p]) => `${c}→${p}`).join(', ')}); pick a PoP some client uses`);
  }
  const moveDeadline = moveDeadlineMs(s.bound);
  const maxMs = o.preFaultMs + moveDeadline + o.holdMs + o.failbackTimeoutMs + 30_000;
  // Wall ↔ monotonic, from the host's own clocks (containers share them).
  const offsetMs = clock.wallMs() - clock.monoMs();

  const neighbours = [...new Set(uplinksOf(model, pop).map((u) => u.neighbour.node))];
  const eyeballs = [...new Set(affected.map((c) => model.clients.find((x) => x.name === c)!.eyeball))].filter((e) => !neighbours.includes(e));
  const watched = [...neighbours.map((r) => ({ router: r, role: 'neighbour' as const })), ...eyeballs.map((r) => ({ router: r, role: 'eyeball' as const }))];
  const monitors: RouteMonitor[] = [];
  for (const w of watched) monitors.push(await startRouteMonitor(rt, w.router, containerName(model.name, w.router), maxMs));

  const targets = model.clients.map((c) => ({ client: c.name, container: containerName(model.name, c.name) }));
  let session: Awaited<ReturnType<typeof startProbes>> | undefined;
  let faultMs = NaN;
  let restoreMs = NaN;
  let injectMs = NaN;
  let allMoved = false;
  let runs: ClientProbeRun[] = [];
  const monitorText = new Map<string, string>();
  const okFrom = (client: string, pred: (smp: Sample) => boolean, after: number) =>
    session!.samples(client).some((x) => x.kind === 'udp-dns' && x.outcome === 'ok' && x.recvMs !== undefined && x.recvMs > after && pred(x));
  try {
    session = await startProbes(rt, model, targets, { maxDurationMs: maxMs, rates: o.rates });
    const t = clock.monoMs();
    const ready = await waitUntil(() => targets.every((c) => okFrom(c.client, () => true, t - 1)), { timeoutMs: 10_000, signal });
    if (!ready) throw new LabError('EXPERIMENT', `probes got no answer within 10 s from: ${targets.filter((c) => !okFrom(c.client, () => true, t - 1)).map((c) => c.client).join(', ')}`);
    ctx.prepared = {};
    await o.fault.prepare?.(ctx);
    await hold(o.preFaultMs + s.phaseDelayMs, signal);

    faultMs = clock.monoMs();
    try {
      progress.step(pop, `inject ${o.fault.name}`);
      await o.fault.inject(ctx);
      injectMs = clock.monoMs() - faultMs;
      allMoved = !!(await waitUntil(() => affected.every((c) => okFrom(c, (x) => x.pop !== pop, faultMs)), { timeoutMs: moveDeadline, signal }));
      if (!allMoved) progress.step(pop, 'not moved', `after ${moveDeadline} ms: ${affected.filter((c) => !okFrom(c, (x) => x.pop !== pop, faultMs)).join(', ')}`);
      await hold(o.holdMs, signal);
    } finally {
      restoreMs = clock.monoMs();
      progress.step(pop, `restore ${o.fault.name}`);
      await o.fault.restore(ctx);
    }
    // A recreated PoP runs its lab-file config: give it the run's BFD again.
    if (o.bfd !== 'lab' && o.fault.name === 'kill') await applyBfd(rt, model, { routers: [pop], timeoutMs: o.baselineTimeoutMs, signal });
    const back = await waitUntil(() => affected.every((c) => okFrom(c, (x) => x.pop === pop, restoreMs)), { timeoutMs: o.failbackTimeoutMs, signal });
    if (!back) progress.step(pop, 'no failback', `within ${o.failbackTimeoutMs} ms`);
    await hold(500, signal);
  } finally {
    if (session) runs = await session.stop();
    for (const m of monitors) monitorText.set(m.node, await m.stop());
  }

  const logs = new Map(await Promise.all(neighbours.map(async (r) => [r, await readFrrLog(rt, containerName(model.name, r))] as const)));
  const rel = (wallMs: number | undefined) => (wallMs === undefined ? null : Math.round((wallMs - offsetMs - faultMs) * 10) / 10);
  const faultWall = faultMs + offsetMs;
  // Detection happens between fault and restore; what follows restore is the failback.
  const during = (wallMs: number) => wallMs >= faultWall - 5 && wallMs <= restoreMs + offsetMs;
  const routers: RouterTiming[] = watched.map(({ router, role }) => {
    const peers = uplinksOf(model, pop).filter((u) => u.neighbour.node === router).map((u) => u.pop.address);
    const ev = role === 'neighbour' ? frrEvents(logs.get(router) ?? '', peers).filter((e) => during(e.wallMs)) : [];
    const first = (k: string) => ev.find((e) => e.kind === k)?.wallMs;
    const change = routeChanges(monitorText.get(router) ?? '', model.anycast.prefix).find((c) => during(c.wallMs));
    return {
      router,
      role,
      bfdDownMs: rel(first('bfd-down')),
      holdExpiredMs: rel(first('hold-expired')),
      bgpDownMs: rel(first('bgp-down')),
      routeChangeMs: rel(change?.wallMs),
      ...(change ? { routeChange: change.line } : {}),
    };
  });

  const health = await readHealth(rt, model, pop, faultMs);
  const clients = runs.map((r) => clientResult(r, { faultMs, restoreMs, pop, affected: affected.includes(r.client), udpIntervalMs: s.probeIntervalMs }));
  // The failback of the trial is the slowest affected client's.
  const backs = clients.filter((c) => c.affected).map((c) => c.failbackMs);
  const failbackMs = backs.every((b) => b !== null) ? Math.max(...(backs as number[])) : null;
  const result: TrialResult = { trial: s.trial, phaseDelayMs: s.phaseDelayMs, faultMs, faultAtUnixMs: Math.round(faultWall), restoreMs, injectMs: Math.round(injectMs * 10) / 10, allMoved, failbackMs, baselineAfterMs: null, clients, routers, health };

  if (o.outDir) {
    const path = join(o.outDir, `trial-${String(s.trial).padStart(2, '0')}-${o.fault.name}-${pop}.svg`);
    const endMs = Math.max(...runs.flatMap((r) => r.samples.map((x) => x.sentMs)), restoreMs);
    const routerNote = routers.filter((r) => r.role === 'neighbour').map((r) => `${r.router}: session down ${fmt(r.bgpDownMs)}, route ${fmt(r.routeChangeMs)}`).join('; ');
    await writeFile(
      path,
      renderTimeline({
        title: `${o.fault.name} ${pop} — trial ${s.trial}, BFD ${s.label} (lab ${model.name})`,
        subtitle: `UDP DNS probes every ${s.probeIntervalMs} ms, coloured by the answering PoP. ${routerNote}`,
        clients: runs.map((r) => ({ client: r.client, samples: r.samples })),
        faultMs,
        restoreMs,
        startMs: faultMs - o.preFaultMs,
        endMs,
        failedPop: pop,
      }),
    );
    result.svg = path;
  }
  return result;
}

function clientResult(run: ClientProbeRun, a: { faultMs: number; restoreMs: number; pop: string; affected: boolean; udpIntervalMs: number }): TrialClient {
  const base = { faultMs: a.faultMs, restoreMs: a.restoreMs, failedPop: a.pop };
  const udp = analyzeClient(run.samples, { ...base, kind: 'udp-dns' });
  const kind = (k: 'tcp-dns' | 'http'): RequestKindResult => {
    const r = analyzeClient(run.samples, { ...base, kind: k });
    return { status: r.status, failoverMs: r.failoverMs, outageMs: r.outageMs };
  };
  const streams = analyzeStreams(run.samples, a.faultMs);
  const udpPrecision = probePrecision(run.samples.filter((x) => x.kind === 'udp-dns'), { 'udp-dns': a.udpIntervalMs })[0];
  return {
    client: run.client,
    affected: a.affected,
    status: udp.status,
    fromPop: udp.fromPop,
    toPop: udp.toPop,
    failoverMs: round(udp.failoverMs),
    detectMs: round(udp.detectMs),
    outageMs: round(udp.outageMs),
    maxGapMs: round(udp.maxGapMs),
    lostProbes: udp.lostProbes,
    maxLostRun: udp.maxLostRun,
    failedAfterFault: udp.failedAfterFault,
    popChanges: udp.popChanges,
    popSequence: udp.popSequence,
    failbackMs: round(udp.failbackMs ?? null),
    failbackOutageMs: round(udp.failbackOutageMs ?? null),
    tcpDns: kind('tcp-dns'),
    http: kind('http'),
    streams: { ...countStreams(streams, a.pop), details: streams },
    probes: {
      samples: run.samples.length,
      lostSamples: run.lostSamples,
      udpPerS: Math.round((udpPrecision?.achievedPerS ?? 0) * 10) / 10,
      udpMissing: udpPrecision?.missing ?? 0,
      cpuMs: run.summary?.cpuMs ?? null,
    },
  };
}

async function readHealth(rt: ContainerRuntime, lab: Lab, pop: string, faultMs: number): Promise<TrialResult['health']> {
  const r = await rt.exec(containerName(lab.name, pop), ['tail', '-n', '50', POP_PATHS.healthLog], { timeoutMs: 10_000 }).catch(() => undefined);
  const out: TrialResult['health'] = [];
  for (const line of (r?.stdout ?? '').split('\n')) {
    try {
      const l = JSON.parse(line) as { tsMono: number; state: string; reason: string };
      if (l.tsMono >= faultMs) out.push({ state: l.state, atMs: Math.round(l.tsMono - faultMs), reason: l.reason });
    } catch {
      // a partial last line while the checker writes
    }
  }
  return out;
}

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
const fmt = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`);

function trialLine(t: TrialResult): string {
  const moved = t.clients.filter((c) => c.affected).map((c) => `${c.client} ${c.fromPop}→${c.toPop ?? '?'} ${fmt(c.failoverMs)}`);
  return `${moved.join(', ')}; failback ${fmt(t.failbackMs)}; baseline ${fmt(t.baselineAfterMs)} after restore`;
}
