// Failover trials: break one PoP, time per client how long until another PoP
// answers, put the PoP back, time the failback, check the lab is back at
// baseline. One trial = baseline → probes → pre-fault window → inject →
// wait for every affected client to move (or, for a fault that withdraws
// nothing, watch for as long) → hold → restore (always) → failback → probes
// stopped → analysis. Times are CLOCK_MONOTONIC ms throughout.

import { mkdir } from 'node:fs/promises';
import { PROBE_DEFAULTS } from '../contract/probe-config.js';
import { familyOf, type Sample, samplesOf } from '../contract/sample.js';
import { LabError } from '../errors.js';
import { withdrawsRoute } from '../fault/detection.js';
import { checkFaultFamily, type FaultContext, type FaultMode } from '../fault/index.js';
import { uplinksOf } from '../fault/uplinks.js';
import { collectorTimes, readCollectorLog } from '../lab/collector.js';
import type { Progress } from '../lab/progress.js';
import { vtysh } from '../lab/router-query.js';
import { type ClientProbeRun, type ProbeRates, startProbes } from '../probe/run-probes.js';
import { bfdProfileName } from '../render/bfd-profiles.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { SCHEMA_VERSION } from '../schema-version.js';
import { isDualStack } from '../topology/families.js';
import { type BfdOptions, type Family, type Lab, sessionsOf } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { formatMs as fmt } from '../util/format.js';
import { newSeed, seededRandom } from '../util/rng.js';
import { hold, waitUntil } from '../util/wait.js';
import { type BaselineState, waitBaseline } from './baseline.js';
import { applyBfd, type BfdScope, runtimeForBfd, withBfd } from './bfd-override.js';
import { controlPlaneDebugCommands } from './control-plane.js';
import { type Bound, boundFor } from './failover-bounds.js';
import type { FailoverResult, FamilyChoice, FamilyTrial, RouterTiming, TrialResult } from './failover-result.js';
import { summarizeFailover } from './failover-summary.js';
import { OffBaselineError, preFaultDrift } from './pre-fault.js';
import { type RouteMonitor, startRouteMonitor } from './route-monitor.js';
import { controlPlaneTimeline, failbackBounces, familyTrial, readHealth, routerTimings } from './trial-analysis.js';

export interface Clock {
  /** CLOCK_MONOTONIC ms, the probes' clock. */
  monoMs(): number;
  /** Unix ms. */
  wallMs(): number;
}

export interface FailoverDeps {
  rt: ContainerRuntime;
  lab: Lab;
  /** Host dir of the rendered FRR configs (a mode that `recreatesNode` recreates from it). */
  configRoot: string;
  clock: Clock;
  progress: Progress;
  signal?: AbortSignal;
  /** Called after each trial with what it measured (the CLI draws the SVG timeline); returns the file it wrote. */
  onTrial?: (t: TrialRecord) => Promise<string | undefined>;
  /** Told as a trial happens (the dashboard's live timeline): its probes' samples as they arrive, the fault, the restore. */
  onLive?: (ev: TrialLiveEvent) => void;
}

/**
 * A trial as it happens. `probing` hands over the live sample arrays the
 * analysis itself reads (append-only, kept after the probes stop), so a
 * watcher draws exactly what the result will judge; times are the probes'
 * CLOCK_MONOTONIC ms, the clock of `faultMs` and `restoreMs`.
 */
export type TrialLiveEvent =
  | { type: 'probing'; trial: number; atMs: number; samples: (client: string) => readonly Sample[] }
  | { type: 'fault' | 'restore' | 'stopped'; trial: number; atMs: number };

/** One finished trial with the context needed to draw it. */
export interface TrialRecord {
  outDir: string;
  lab: string;
  fault: string;
  pop: string;
  /** The run's BFD setting as shown (e.g. 100x3, 20x3@pop). */
  bfd: string;
  probeIntervalMs: number;
  /** How much of the time before the fault to draw. */
  preFaultMs: number;
  /** The PoP clients on it were expected to leave; absent when the fault promises no move. */
  failedPop?: string;
  trial: TrialResult;
  /** Every timed family's samples: one family's on a run that timed one, both on a run that timed both (see `families`). */
  runs: ClientProbeRun[];
  /** A run that timed both families, the top-level one first: the picture gets a row per client and family. */
  families?: Family[];
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
   * Which families' moves to time: default both on a dual-stack lab, ipv4
   * on an [ipv4] one (see measuredFamilies). The probes run on every family
   * the lab has either way.
   */
  family?: FamilyChoice;
  /**
   * Aim the fault at this family only (a mode with `perFamily`, a dual-stack
   * lab); absent: the PoP as a whole. It also sets the default of `family`.
   */
  faultFamily?: Family;
  /**
   * Seed of the random fault phase (default: a fresh one, recorded in the
   * result). Before each fault the runner waits a random delay, uniform over
   * one BFD interval (BFD on) or one keepalive interval (off), so trials are
   * not phase-locked to the timers that decide detection.
   */
  seed?: number;
}

/**
 * The families a run times, the first one in the result's top level: both on
 * a dual-stack lab unless one is asked for; an IPv6 run on a lab without
 * IPv6 is a usage error naming the lab's families.
 */
export function measuredFamilies(lab: Pick<Lab, 'name' | 'families'>, choice?: FamilyChoice): Family[] {
  const dual = isDualStack(lab);
  const want = choice ?? (dual ? 'both' : 'ipv4');
  if (want !== 'ipv4' && !dual) {
    throw new LabError('USAGE', `Expected \`--family\` to be ipv4 on lab "${lab.name}" (families: ${lab.families.join(', ')}), got "${want}"`);
  }
  return want === 'both' ? ['ipv4', 'ipv6'] : [want];
}

/**
 * The families timed when the fault may be aimed at one: an aimed fault is
 * timed on its own family (the other one has no mover to wait for), and
 * timing a family the fault leaves alone is a usage error.
 */
export function aimedFamilies(lab: Pick<Lab, 'name' | 'families'>, fault: FaultMode, choice?: FamilyChoice, faultFamily?: Family): Family[] {
  checkFaultFamily(fault, lab, faultFamily, '--fault-family');
  const families = measuredFamilies(lab, choice ?? faultFamily);
  const untouched = families.filter((f) => faultFamily !== undefined && f !== faultFamily);
  if (untouched.length) {
    throw new LabError(
      'USAGE',
      `Expected \`--family\` to be ${faultFamily} with \`--fault-family ${faultFamily}\` (a ${faultFamily}-only fault moves no ${untouched.join(', ')} client), got "${choice}"`,
    );
  }
  return families;
}

/**
 * The family the fault hit, as the result records it: the aimed one, or both
 * (the PoP as a whole) on a dual-stack lab; nothing on a single-stack lab,
 * whose only family is the one every fault hits.
 */
export const faultFamilyOf = (lab: Pick<Lab, 'families'>, aimed?: Family): FamilyChoice | undefined => (isDualStack(lab) ? (aimed ?? 'both') : undefined);

const DEFAULTS = { preFaultMs: 1500, holdMs: 1500, baselineTimeoutMs: 90_000, failbackTimeoutMs: 60_000 };
/** How many times a trial may start before its fault finds the lab at baseline (pre-fault.ts). */
const OFF_BASELINE_ATTEMPTS = 3;

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
  return `${!b?.enabled ? 'off' : `${b.interval}x${b.multiplier}`}${bfd !== 'lab' && scope === 'pop' ? '@pop' : ''}`;
};

export async function runFailover(given: FailoverDeps, opts: FailoverOptions): Promise<FailoverResult> {
  const { lab, progress } = given;
  const t0 = performance.now();
  const pops = anycastRouters(lab).map((r) => r.name);
  const pop = lab.routers.find((r) => r.name === opts.pop && pops.includes(r.name));
  if (!pop) {
    throw new LabError('USAGE', `Expected \`--pop\` to be one of the PoPs of lab "${lab.name}" (${pops.join(', ')}), got "${opts.pop}"`);
  }
  if (!Number.isInteger(opts.trials) || opts.trials < 1) throw new LabError('USAGE', `Expected \`--trials\` to be a positive integer, got ${opts.trials}`);
  const o = { ...DEFAULTS, ...opts };
  const families = aimedFamilies(lab, opts.fault, opts.family, opts.faultFamily);
  const scope = opts.bfdScope ?? 'all';
  const model = opts.bfd === 'lab' ? lab : withBfd(lab, opts.bfd, scope === 'pop' ? pop.name : undefined);
  // From the switch to fast BFD to the switch back: a burst of execs would take sessions down that the fault did not.
  const { rt, serial } = runtimeForBfd(given.rt, model);
  const deps: FailoverDeps = { ...given, rt };
  const label = bfdLabel(opts.bfd, lab, scope);
  const bound = boundFor(model, pop.name, opts.fault.detection);
  const ctx: FaultContext = {
    rt,
    lab,
    pop: pop.name,
    progress,
    configRoot: deps.configRoot,
    prepared: {},
    ...(opts.faultFamily ? { family: opts.faultFamily } : {}),
  };
  const trials: TrialResult[] = [];
  const ipv6Trials: FamilyTrial[] = [];
  const seed = opts.seed ?? newSeed();
  const random = seededRandom(seed);
  const phaseSpanMs = faultPhaseSpanMs(model, pop.name);
  // Rates left out run at the agent's own defaults.
  const probeIntervalMs = opts.rates?.udpIntervalMs ?? PROBE_DEFAULTS.udpIntervalMs;
  if (o.outDir) await mkdir(o.outDir, { recursive: true });

  // The failed PoP's neighbours log each control-plane step (control-plane.ts) for the run.
  const debugged = [...new Set(uplinksOf(model, pop.name).map((u) => u.neighbour.node))];
  let failure: unknown;
  try {
    if (opts.bfd !== 'lab') {
      progress.step(
        'lab',
        'bfd',
        `${scope === 'pop' ? `${pop.name}'s sessions` : 'every session'} to ${bfdLabel(opts.bfd, lab)} (live, vtysh)${serial ? '; one exec at a time until the switch back' : ''}`,
      );
      await applyBfd(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
    }
    progress.step('lab', 'debug', `control-plane debug log on ${debugged.join(', ')} for the run`);
    await setControlPlaneDebug(rt, model, debugged, true);
    progress.step('lab', 'baseline', 'sessions, BFD, routes and catchment');
    let baseline = await waitBaseline(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
    for (let i = 1; i <= opts.trials; i++) {
      progress.step('trial', `${i}/${opts.trials}`, `${opts.fault.name}${opts.faultFamily ? ` (${opts.faultFamily} only)` : ''} ${pop.name}, BFD ${label}`);
      const { trial, runs, ipv6 } = await trialAtBaseline(
        deps,
        o,
        { model, ctx, bound, trial: i, families, phaseDelayMs: Math.round(random() * phaseSpanMs), probeIntervalMs },
        baseline,
      );
      trials.push(trial);
      if (ipv6) ipv6Trials.push(ipv6);
      if (o.outDir && deps.onTrial) {
        trial.svg = await deps.onTrial({
          outDir: o.outDir,
          lab: model.name,
          fault: opts.fault.name,
          pop: pop.name,
          bfd: label,
          probeIntervalMs,
          preFaultMs: o.preFaultMs,
          failedPop: judgedPop(opts.fault, pop.name),
          trial,
          // One family timed: its probes only. Both: every probe, a row per client and family.
          runs: lab.anycast.ipv6 && families.length === 1 ? runs.map((r) => ({ ...r, samples: samplesOf(r.samples, families[0]) })) : runs,
          ...(families.length > 1 ? { families } : {}),
        });
      }
      baseline = await waitBaseline(rt, model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
      // From restore: the time the lab needed to be whole again.
      trial.baselineAfterMs = Math.round(deps.clock.monoMs() - trial.restoreMs);
      progress.step('trial', `${i}/${opts.trials} done`, trialLine(trial));
    }
  } catch (err) {
    failure = err;
  } finally {
    try {
      await setControlPlaneDebug(rt, model, debugged, false);
    } catch (err) {
      failure ??= err;
    }
    if (opts.bfd !== 'lab') {
      progress.step('lab', 'bfd', 'back to the lab file');
      try {
        // bfdCommands keeps every profile a router's own lab-file sessions use.
        await applyBfd(rt, lab, { timeoutMs: o.baselineTimeoutMs, dropProfiles: opts.bfd.enabled ? [bfdProfileName(opts.bfd)] : [] });
      } catch (err) {
        // The first failure is the one to report; a failed restore after it is a consequence.
        failure ??= err;
      }
    }
  }
  if (failure) throw failure;

  const timers = lab.links[0]?.timers ?? { keepalive: 0, hold: 0 };
  return {
    schemaVersion: SCHEMA_VERSION,
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
    // Only a dual-stack lab says which family: an [ipv4] lab's result reads as it always did.
    ...(isDualStack(lab) ? { family: families[0], faultFamily: faultFamilyOf(lab, opts.faultFamily) } : {}),
    ...(families.length > 1 ? { ipv6: { trials: ipv6Trials, summary: summarizeFailover(ipv6Trials, bound) } } : {}),
    outDir: o.outDir,
    wallMs: Math.round(performance.now() - t0),
  };
}

/**
 * The PoP whose clients are judged as expected to move: the failed one when
 * its fault withdraws the route; none otherwise, so a client that moved
 * anyway is judged as a mover and every other as one expected to stay.
 */
export const judgedPop = (fault: FaultMode, pop: string): string | undefined => (withdrawsRoute(fault.detection) ? pop : undefined);

type Options = FailoverOptions & typeof DEFAULTS;

interface TrialSetup {
  model: Lab;
  ctx: FaultContext;
  bound: Bound;
  trial: number;
  /** The families timed, the top-level one first. */
  families: Family[];
  /** Per family: client -> the PoP answering it at the last baseline. */
  catchment: Record<Family, Record<string, string | null>>;
  phaseDelayMs: number;
  probeIntervalMs: number;
}

/** When the fault came and went, from the trial's own clock. */
interface FaultTimes {
  faultMs: number;
  restoreMs: number;
  injectMs: number;
  /** Per timed family: every client on the failed PoP moved before the deadline. */
  allMoved: Partial<Record<Family, boolean>>;
}

/** Per timed family, the clients the failed PoP answered at the baseline: they are expected to move. */
type Affected = Partial<Record<Family, string[]>>;

/** One trial: routers watched and clients probed around one fault, then the analysis. The samples come back for the timeline. */
async function runTrial(deps: FailoverDeps, o: Options, s: TrialSetup): Promise<{ trial: TrialResult; runs: ClientProbeRun[]; ipv6?: FamilyTrial }> {
  const { rt, clock } = deps;
  const { model, ctx } = s;
  const pop = ctx.pop;
  const affectedBy: Affected = Object.fromEntries(s.families.map((f) => [f, model.clients.filter((c) => s.catchment[f][c.name] === pop).map((c) => c.name)]));
  // Every family's movers: the routers in front of any of them are watched.
  const affected = [...new Set(Object.values(affectedBy).flat())];
  if (affected.length === 0) {
    const tag = (f: Family) => (s.families.length > 1 ? `${f} ` : '');
    throw new LabError(
      'EXPERIMENT',
      `no client is answered by ${pop} (catchment: ${s.families
        .map((f) =>
          Object.entries(s.catchment[f])
            .map(([c, p]) => `${tag(f)}${c}→${p}`)
            .join(', '),
        )
        .join('; ')}); pick a PoP some client uses`,
    );
  }
  const moveDeadline = moveDeadlineMs(s.bound);
  const maxMs = o.preFaultMs + moveDeadline + o.holdMs + o.failbackTimeoutMs + 30_000;
  // Wall ↔ monotonic, from the host's own clocks (containers share them).
  const offsetMs = clock.wallMs() - clock.monoMs();
  const watched = watchedRouters(model, pop, affected);

  const monitors: RouteMonitor[] = [];
  const monitorText = new Map<string, string>();
  let session: Awaited<ReturnType<typeof startProbes>> | undefined;
  let runs: ClientProbeRun[] = [];
  let times: FaultTimes;
  try {
    for (const w of watched) monitors.push(await startRouteMonitor(rt, w.router, containerName(model.name, w.router), maxMs));
    const targets = model.clients.map((c) => ({ client: c.name, container: containerName(model.name, c.name) }));
    session = await startProbes(rt, model, targets, { maxDurationMs: maxMs, rates: o.rates });
    const live = session;
    // The live timeline draws the top-level family, like the SVG.
    const samples = model.anycast.ipv6 ? (c: string) => samplesOf(live.samples(c), s.families[0]) : session.samples;
    deps.onLive?.({ type: 'probing', trial: s.trial, atMs: clock.monoMs(), samples });
    times = await faultUnderProbes(deps, o, s, session, affectedBy, moveDeadline);
  } finally {
    if (session) {
      runs = await session.stop();
      deps.onLive?.({ type: 'stopped', trial: s.trial, atMs: clock.monoMs() });
    }
    for (const m of monitors) monitorText.set(m.node, await m.stop());
  }

  const { faultMs, restoreMs } = times;
  const routers = await routerTimings(rt, model, pop, watched, monitorText, { faultMs, restoreMs, offsetMs });
  const bounces = await failbackBounces(rt, model, pop, { faultMs, restoreMs, offsetMs });
  // The top-level family's checker: the other one's lines would list each transition twice.
  const health = await readHealth(rt, model, pop, faultMs, s.families[0]);
  // The third clock, outside the operator: when the route collector heard each transit change its path.
  const collector = model.collector ? collectorTimes(await readCollectorLog(rt, model), model.anycast.prefix, faultMs, restoreMs) : undefined;
  const failedPop = judgedPop(o.fault, pop);
  const judged = (family: Family): FamilyTrial =>
    familyTrial(runs, family, {
      dual: isDualStack(model),
      trial: s.trial,
      allMoved: times.allMoved[family] ?? false,
      affected: affectedBy[family] ?? [],
      faultMs,
      restoreMs,
      pop,
      failedPop,
      udpIntervalMs: s.probeIntervalMs,
    });
  const [top, second] = s.families.map(judged);
  const { clients, failbackMs } = top;
  const controlPlane = controlPlaneTimeline(routers, clients);
  const trial: TrialResult = {
    trial: s.trial,
    phaseDelayMs: s.phaseDelayMs,
    faultMs,
    faultAtUnixMs: Math.round(faultMs + offsetMs),
    restoreMs,
    injectMs: Math.round(times.injectMs * 10) / 10,
    allMoved: top.allMoved,
    failbackMs,
    baselineAfterMs: null,
    clients,
    routers,
    health,
    ...(collector ? { collector } : {}),
    ...(controlPlane ? { controlPlane } : {}),
    ...(bounces.length ? { failbackBounces: bounces } : {}),
  };
  return { trial, runs, ...(second ? { ipv6: second } : {}) };
}

/**
 * runTrial from a baseline the trial's own probes confirm at the fault
 * (pre-fault.ts). A start whose probes saw the lab off it injected nothing:
 * it runs again after a new baseline check, a few times at most, and the
 * trial records what each such start saw.
 */
async function trialAtBaseline(
  deps: FailoverDeps,
  o: Options,
  setup: Omit<TrialSetup, 'catchment'>,
  first: BaselineState,
): Promise<Awaited<ReturnType<typeof runTrial>>> {
  const offBaseline: string[] = [];
  let baseline = first;
  for (;;) {
    try {
      const done = await runTrial(deps, o, { ...setup, catchment: { ipv4: baseline.catchment, ipv6: baseline.catchment6 ?? {} } });
      if (offBaseline.length) done.trial.offBaseline = offBaseline;
      return done;
    } catch (err) {
      if (!(err instanceof OffBaselineError) || offBaseline.length + 1 >= OFF_BASELINE_ATTEMPTS) throw err;
      offBaseline.push(err.problems.join('; '));
      deps.progress.step('trial', `${setup.trial} again`, `not at baseline before the fault: ${err.problems.join('; ')}`);
      baseline = await waitBaseline(deps.rt, setup.model, { timeoutMs: o.baselineTimeoutMs, signal: deps.signal });
    }
  }
}

/** Debug logging of the control-plane steps on `routers`, on or back off. */
async function setControlPlaneDebug(rt: ContainerRuntime, model: Lab, routers: readonly string[], on: boolean): Promise<void> {
  const commands = controlPlaneDebugCommands(model.anycast.prefix, on);
  await Promise.all(routers.map((r) => vtysh(rt, containerName(model.name, r), ...commands)));
}

/** The failed PoP's BGP neighbours, and the eyeball routers in front of its clients (unless already neighbours). */
function watchedRouters(model: Lab, pop: string, affected: string[]): { router: string; role: RouterTiming['role'] }[] {
  const neighbours = [...new Set(uplinksOf(model, pop).map((u) => u.neighbour.node))];
  const eyeballs = [...new Set(affected.map((c) => model.clients.find((x) => x.name === c)!.eyeball))].filter((e) => !neighbours.includes(e));
  return [...neighbours.map((r) => ({ router: r, role: 'neighbour' as const })), ...eyeballs.map((r) => ({ router: r, role: 'eyeball' as const }))];
}

/**
 * With the probes running: every client answered → prepare → pre-fault
 * window and random phase → inject → wait until every affected client moved
 * (a fault that withdraws nothing promises no move: watch the whole window)
 * → hold → restore, always → wait for the failback.
 */
async function faultUnderProbes(
  deps: FailoverDeps,
  o: Options,
  s: TrialSetup,
  session: Awaited<ReturnType<typeof startProbes>>,
  affectedBy: Affected,
  moveDeadline: number,
): Promise<FaultTimes> {
  const { rt, clock, progress, signal } = deps;
  const { model, ctx } = s;
  const pop = ctx.pop;
  const okFrom = (client: string, family: Family, pred: (smp: Sample) => boolean, after: number) =>
    session
      .samples(client)
      .some((x) => x.kind === 'udp-dns' && x.outcome === 'ok' && x.recvMs !== undefined && x.recvMs > after && familyOf(x) === family && pred(x));
  // Every client over every timed family, and every family's movers.
  const pairs = (byFamily: Affected) => s.families.flatMap((f) => (byFamily[f] ?? []).map((c) => [c, f] as const));
  const everyone = pairs(Object.fromEntries(s.families.map((f) => [f, model.clients.map((c) => c.name)])));
  const movers = pairs(affectedBy);
  const name = ([c, f]: readonly [string, Family]) => (s.families.length > 1 ? `${c} (${f})` : c);
  const t = clock.monoMs();
  const answered = ([c, f]: readonly [string, Family]) => okFrom(c, f, () => true, t - 1);
  const ready = await waitUntil(() => everyone.every(answered), { timeoutMs: 10_000, signal });
  if (!ready)
    throw new LabError(
      'EXPERIMENT',
      `probes got no answer within 10 s from: ${everyone
        .filter((p) => !answered(p))
        .map(name)
        .join(', ')}`,
    );
  ctx.prepared = {};
  await o.fault.prepare?.(ctx);
  await hold(o.preFaultMs + s.phaseDelayMs, signal);
  // The baseline was checked before the probes started: they say whether it still holds now, at the fault.
  const drift = preFaultDrift(session.samples, everyone, s.catchment, { fromMs: t, toMs: clock.monoMs() });
  if (drift.length) throw new OffBaselineError(drift);

  const faultMs = clock.monoMs();
  let injectMs = NaN;
  let restoreMs: number;
  const left = ([c, f]: readonly [string, Family]) => okFrom(c, f, (x) => x.pop !== pop, faultMs);
  const moved = () => movers.every(left);
  const movedBy = (): FaultTimes['allMoved'] => Object.fromEntries(s.families.map((f) => [f, movers.filter(([, g]) => g === f).every(left)]));
  let allMoved: FaultTimes['allMoved'] = {};
  try {
    progress.step(pop, `inject ${o.fault.name}`);
    deps.onLive?.({ type: 'fault', trial: s.trial, atMs: faultMs });
    await o.fault.inject(ctx);
    injectMs = clock.monoMs() - faultMs;
    if (withdrawsRoute(o.fault.detection)) {
      const all = !!(await waitUntil(moved, { timeoutMs: moveDeadline, signal }));
      allMoved = movedBy();
      if (!all)
        progress.step(
          pop,
          'not moved',
          `after ${moveDeadline} ms: ${movers
            .filter((p) => !left(p))
            .map(name)
            .join(', ')}`,
        );
    } else {
      await hold(moveDeadline, signal);
      allMoved = movedBy();
    }
    await hold(o.holdMs, signal);
  } finally {
    restoreMs = clock.monoMs();
    progress.step(pop, `restore ${o.fault.name}`);
    deps.onLive?.({ type: 'restore', trial: s.trial, atMs: restoreMs });
    await o.fault.restore(ctx);
  }
  // A recreated PoP runs its lab-file config: give it the run's BFD again.
  if (o.bfd !== 'lab' && o.fault.recreatesNode) await applyBfd(rt, model, { routers: [pop], timeoutMs: o.baselineTimeoutMs, signal });
  const back = await waitUntil(() => movers.every(([c, f]) => okFrom(c, f, (x) => x.pop === pop, restoreMs)), { timeoutMs: o.failbackTimeoutMs, signal });
  if (!back) progress.step(pop, 'no failback', `within ${o.failbackTimeoutMs} ms`);
  await hold(500, signal);
  return { faultMs, restoreMs, injectMs, allMoved };
}

function trialLine(t: TrialResult): string {
  const moved = t.clients.filter((c) => c.affected).map((c) => `${c.client} ${c.fromPop}→${c.toPop ?? '?'} ${fmt(c.failoverMs)}`);
  const cp = t.controlPlane ? `\n  ${t.controlPlane.line}` : '';
  const again = t.offBaseline ? `; started ${t.offBaseline.length + 1} times (off baseline before the fault)` : '';
  const bounced = (t.failbackBounces ?? []).map((b) => `; session to ${b.peer} up at ${fmt(b.upMs)}, down again at ${fmt(b.downMs)} (${b.reason})`).join('');
  return `${moved.join(', ')}; failback ${fmt(t.failbackMs)}; baseline ${fmt(t.baselineAfterMs)} after restore${again}${bounced}${cp}`;
}
