// After a trial: what the watched routers and the PoP's health checker
// logged, and each client's verdict from its samples, all relative to the
// fault instant.
import { POP_PATHS } from '../contract/agent.js';
import { type SampleFamily, samplesOf } from '../contract/sample.js';
import { uplinksOf } from '../fault/uplinks.js';
import type { ClientProbeRun } from '../probe/run-probes.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Family, Lab } from '../topology/model.js';
import { AFTER_UNMATCHED, causalSteps, controlPlaneEvents, controlPlaneLine } from './control-plane.js';
import { analyzeClient } from './failover-clients.js';
import type { ControlPlaneTimeline, FailbackBounce, FamilyTrial, RequestKindResult, RouterTiming, TrialClient, TrialResult } from './failover-result.js';
import { analyzeStreams, countStreams } from './failover-streams.js';
import { probePrecision } from './probe-precision.js';
import { readFrrLog } from './route-monitor.js';
import { frrEvents, routeChanges, sessionBounces } from './router-events.js';

/** The trial's clocks: the fault and the restore on the probes' monotonic axis, and the host's wall − monotonic offset. */
interface TrialClock {
  faultMs: number;
  restoreMs: number;
  offsetMs: number;
}

/** A router's wall-clock instant as ms after the fault, to 0.1 ms. */
const msAfterFault = (wallMs: number, t: TrialClock) => Math.round((wallMs - t.offsetMs - t.faultMs) * 10) / 10;

/** Each watched router's view, relative to the fault: BFD/hold/session events from its FRR log (neighbours), FIB change from its route monitor. */
export async function routerTimings(
  rt: ContainerRuntime,
  model: Lab,
  pop: string,
  watched: { router: string; role: RouterTiming['role'] }[],
  monitorText: Map<string, string>,
  t: TrialClock,
): Promise<RouterTiming[]> {
  const neighbours = watched.filter((w) => w.role === 'neighbour').map((w) => w.router);
  const logs = new Map(await Promise.all(neighbours.map(async (r) => [r, await readFrrLog(rt, containerName(model.name, r), 3000)] as const)));
  const rel = (wallMs: number | undefined) => (wallMs === undefined ? null : msAfterFault(wallMs, t));
  const faultWall = t.faultMs + t.offsetMs;
  // Detection happens between fault and restore; what follows restore is the failback.
  const during = (wallMs: number) => wallMs >= faultWall - 5 && wallMs <= t.restoreMs + t.offsetMs;
  return watched.map(({ router, role }) => {
    const peers = uplinksOf(model, pop)
      .filter((u) => u.neighbour.node === router)
      .map((u) => u.pop.address);
    const ev = role === 'neighbour' ? frrEvents(logs.get(router) ?? '', peers).filter((e) => during(e.wallMs)) : [];
    const first = (k: string) => ev.find((e) => e.kind === k)?.wallMs;
    const changes = routeChanges(monitorText.get(router) ?? '', model.anycast.prefix);
    const change = changes.find((c) => during(c.wallMs));
    // `ip monitor route` watches both families: the /48's change is in the same text.
    const v6 = model.anycast.ipv6;
    const change6 = v6 ? routeChanges(monitorText.get(router) ?? '', v6.prefix).find((c) => during(c.wallMs)) : undefined;
    const window = { fromWallMs: faultWall - 5, toWallMs: t.restoreMs + t.offsetMs, zeroWallMs: faultWall };
    const controlPlane =
      role === 'neighbour' ? causalSteps(controlPlaneEvents(logs.get(router) ?? '', peers, model.anycast.prefix), window, changes) : undefined;
    return {
      router,
      role,
      bfdDownMs: rel(first('bfd-down')),
      holdExpiredMs: rel(first('hold-expired')),
      bgpDownMs: rel(first('bgp-down')),
      routeChangeMs: rel(change?.wallMs),
      ...(change ? { routeChange: change.line } : {}),
      ...(v6 ? { routeChange6Ms: rel(change6?.wallMs) } : {}),
      ...(controlPlane ? { controlPlane } : {}),
    };
  });
}

/** The PoP's own sessions that came up after the restore and dropped again at once (sessionBounces), ms from the fault. */
export async function failbackBounces(rt: ContainerRuntime, model: Lab, pop: string, t: TrialClock): Promise<FailbackBounce[]> {
  const log = await readFrrLog(rt, containerName(model.name, pop));
  return sessionBounces(log, t.restoreMs + t.offsetMs).map((b) => ({
    peer: b.peer,
    upMs: msAfterFault(b.upWallMs, t),
    downMs: msAfterFault(b.downWallMs, t),
    reason: b.reason,
  }));
}

/**
 * The trial's control-plane line: the neighbour whose BFD (else session)
 * went down first, its causal chain (causalSteps), and the earliest first
 * answer from another PoP among the affected clients at or after that
 * chain's FIB change (an answer before it was moved by something else).
 */
export function controlPlaneTimeline(routers: readonly RouterTiming[], clients: readonly TrialClient[]): ControlPlaneTimeline | undefined {
  const detectedAt = (r: RouterTiming) => r.controlPlane?.steps['bfdd-down'] ?? r.controlPlane?.steps['bgp-down'] ?? r.bgpDownMs ?? Infinity;
  const detecting = routers.filter((r) => r.role === 'neighbour' && r.controlPlane).sort((a, b) => detectedAt(a) - detectedAt(b))[0];
  const chain = detecting?.controlPlane;
  if (!detecting || !chain) return undefined;
  const fib = chain.fibMs;
  const first =
    fib === null
      ? undefined
      : clients.filter((c) => c.affected && c.detectMs !== null && c.detectMs >= fib).sort((a, b) => (a.detectMs as number) - (b.detectMs as number))[0];
  const unmatched = { ...chain.unmatched };
  if (!first) unmatched['first-answer'] = fib === null ? AFTER_UNMATCHED : 'no affected client answered by another PoP after the FIB change';
  const tl = {
    router: detecting.router,
    steps: chain.steps,
    fibMs: fib,
    firstAnswerMs: first?.detectMs ?? null,
    firstAnswerPop: first?.toPop ?? null,
    ...(Object.keys(unmatched).length ? { unmatched } : {}),
  };
  return { ...tl, line: controlPlaneLine(tl) };
}

export function clientResult(
  run: ClientProbeRun,
  a: { faultMs: number; restoreMs: number; pop: string; failedPop: string | undefined; affected: boolean; udpIntervalMs: number },
): TrialClient {
  const base = { faultMs: a.faultMs, restoreMs: a.restoreMs, failedPop: a.failedPop };
  const udp = analyzeClient(run.samples, { ...base, kind: 'udp-dns' });
  const kind = (k: 'tcp-dns' | 'http'): RequestKindResult => {
    const r = analyzeClient(run.samples, { ...base, kind: k });
    return { status: r.status, failoverMs: r.failoverMs, outageMs: r.outageMs };
  };
  const streams = analyzeStreams(run.samples, a.faultMs);
  const udpPrecision = probePrecision(
    run.samples.filter((x) => x.kind === 'udp-dns'),
    { 'udp-dns': a.udpIntervalMs },
  )[0];
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

/**
 * One family's verdicts for a trial: every client judged from that family's
 * samples only (a dual-stack agent tags each one; an IPv4-only agent's are
 * all IPv4), the clients the failed PoP answered over that family as movers.
 */
export function familyTrial(
  runs: readonly ClientProbeRun[],
  family: SampleFamily,
  a: { dual: boolean; trial: number; allMoved: boolean; affected: readonly string[] } & Omit<Parameters<typeof clientResult>[1], 'affected'>,
): FamilyTrial {
  const { dual, trial, allMoved, affected, ...rest } = a;
  const clients = runs.map((r) => clientResult(dual ? { ...r, samples: samplesOf(r.samples, family) } : r, { ...rest, affected: affected.includes(r.client) }));
  return { trial, allMoved, failbackMs: slowestFailback(clients), clients };
}

/** The failback of a trial is the slowest affected client's; null when one never came back. */
function slowestFailback(clients: TrialClient[]): number | null {
  const backs = clients.filter((c) => c.affected).map((c) => c.failbackMs);
  return backs.every((b) => b !== null) ? Math.max(...(backs as number[])) : null;
}

/**
 * One family's PoP health-checker transitions after the fault. A dual-stack
 * PoP runs a checker per family writing one log, each line stamped with its
 * family; a single-stack PoP's lines carry none and are its IPv4 checker's.
 */
export async function readHealth(rt: ContainerRuntime, lab: Lab, pop: string, faultMs: number, family: Family = 'ipv4'): Promise<TrialResult['health']> {
  // Two checkers write the log on a dual-stack PoP: twice the tail for the same span.
  const r = await rt.exec(containerName(lab.name, pop), ['tail', '-n', '100', POP_PATHS.healthLog], { timeoutMs: 10_000 }).catch(() => undefined);
  return healthTransitions(r?.stdout ?? '', faultMs, family);
}

/** The transitions of `family` at or after the fault in a health log's text (ms relative to the fault). */
export function healthTransitions(text: string, faultMs: number, family: Family): TrialResult['health'] {
  const out: TrialResult['health'] = [];
  for (const line of text.split('\n')) {
    try {
      const l = JSON.parse(line) as { tsMono: number; state: string; reason: string; family?: Family };
      if ((l.family ?? 'ipv4') === family && l.tsMono >= faultMs) out.push({ state: l.state, atMs: Math.round(l.tsMono - faultMs), reason: l.reason });
    } catch {
      // a partial last line while the checker writes
    }
  }
  return out;
}

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
