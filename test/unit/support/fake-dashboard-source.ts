// A DashboardSource in memory: every router running with every session and
// BFD peer up, each client answered by its expect.pop (on a dual-stack lab
// its IPv6 by expect6.pop, else the same), and setters a test
// uses to move the catchment or break a link. No Docker. A failover run
// here is a script of synthetic probe samples (affected clients move to the
// next PoP after the fault and back after the restore), told through the
// same hooks runFailover calls, and written as result.json + report.html.
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { monoMs, type Sample } from '../../../src/contract/sample.js';
import { LabError } from '../../../src/errors.js';
import { analyzeClient } from '../../../src/experiment/failover-clients.js';
import type { FailoverResult, TrialClient, TrialResult } from '../../../src/experiment/failover-result.js';
import { summarizeFailover } from '../../../src/experiment/failover-summary.js';
import { faultMode } from '../../../src/fault/index.js';
import type { LookingGlass } from '../../../src/lab/looking-glass.js';
import type { LabStatus, NodeStatus } from '../../../src/lab/status.js';
import type { Catchment, ChangeReport } from '../../../src/policy/catchment.js';
import { familyKey } from '../../../src/probe/who.js';
import type { RecordedFailover } from '../../../src/report/failover-run.js';
import { type Family, findRouter, type Lab, sessionsOf } from '../../../src/topology/model.js';
import { anycastRouters } from '../../../src/topology/roles/registry.js';
import type { BrokenFault, DashboardSource, FailoverRunRequest } from '../../../src/web/source.js';

/** The phases of a fake trial, ms: probes before the fault, fault until restore, after the restore. */
export interface FakeFailoverTiming {
  beforeMs: number;
  faultMs: number;
  afterMs: number;
  /** Fault → the affected clients' first answer from the backup. */
  moveMs: number;
}

export interface FakeDashboardSource extends DashboardSource {
  catchmentNow: Catchment;
  /** Nodes whose container is not running (e.g. `paused`: frozen). */
  nodeState: Record<string, string>;
  drained: Set<string>;
  drainCalls: { pop: string; drained: boolean }[];
  /** `family` only when a break was aimed at one. */
  faultCalls: { pop: string; mode: string; broken: boolean; family?: Family }[];
  /** PoP → fault, as the live source keeps it. */
  broken: Map<string, BrokenFault>;
  catchmentCalls: number;
  failoverCalls: Omit<FailoverRunRequest, 'outDir'>[];
  failoverTiming: FakeFailoverTiming;
  /** A temporary directory: seed it with a "CLI" run to see it listed. */
  runsDir: string;
}

/** An action's report in this fake: applied, nothing measured. */
const nothingMoved = (lab: Lab, change: string): ChangeReport => ({
  lab: lab.name,
  change,
  applied: [],
  catchment: [],
  shiftMs: null,
  settled: true,
  polls: 0,
  pollEveryMs: 0,
  notes: [],
});

export function fakeDashboardSource(lab: Lab): FakeDashboardSource {
  const src: FakeDashboardSource = {
    // The live source's keys: IPv4 under the client, IPv6 under client/ipv6 (familyKey).
    catchmentNow: Object.fromEntries(
      lab.clients.flatMap((c) => lab.families.map((f) => [familyKey(c.name, f), ((f === 'ipv6' ? c.expect6 : undefined) ?? c.expect)?.pop ?? null])),
    ),
    nodeState: {},
    drained: new Set(),
    drainCalls: [],
    faultCalls: [],
    broken: new Map(),
    catchmentCalls: 0,
    failoverCalls: [],
    failoverTiming: { beforeMs: 400, faultMs: 800, afterMs: 400, moveMs: 300 },
    runsDir: mkdtempSync(join(tmpdir(), 'al-fake-runs-')),
    topology: () => lab,
    failoverRunsDir: () => src.runsDir,
    async runFailover(req, hooks): Promise<RecordedFailover> {
      src.failoverCalls.push({ pop: req.pop, mode: req.mode, trials: req.trials });
      const pops = anycastRouters(lab).map((r) => r.name);
      const backup = pops.find((p) => p !== req.pop) ?? null;
      const trials: TrialResult[] = [];
      hooks.step('lab', 'baseline', 'sessions, BFD, routes and catchment');
      for (let i = 1; i <= req.trials; i++) {
        hooks.step('trial', `${i}/${req.trials}`, `${req.mode} ${req.pop}`);
        const t = src.failoverTiming;
        const samples = new Map<string, Sample[]>(lab.clients.map((c) => [c.name, []]));
        const t0 = monoMs();
        let faultMs: number | undefined;
        let restoreMs: number | undefined;
        let seq = 0;
        const tick = () => {
          const now = monoMs();
          seq++;
          for (const c of lab.clients) {
            const home = src.catchmentNow[c.name] ?? null;
            const away = home === req.pop && faultMs !== undefined && now >= faultMs && restoreMs === undefined;
            const pop = !away ? home : now - faultMs! < t.moveMs ? null : backup;
            samples.get(c.name)!.push({
              client: c.name,
              kind: 'udp-dns',
              seq,
              sentMs: now,
              recvMs: now + 2,
              outcome: pop ? 'ok' : 'timeout',
              ...(pop ? { pop } : {}),
            });
          }
        };
        const timer = setInterval(tick, 20);
        hooks.live({ type: 'probing', trial: i, atMs: t0, samples: (c) => samples.get(c) ?? [] });
        try {
          await delay(t.beforeMs, undefined, { signal: hooks.signal });
          faultMs = monoMs();
          hooks.step(req.pop, `inject ${req.mode}`);
          hooks.live({ type: 'fault', trial: i, atMs: faultMs });
          try {
            await delay(t.faultMs, undefined, { signal: hooks.signal });
          } finally {
            restoreMs = monoMs();
            hooks.step(req.pop, `restore ${req.mode}`);
            hooks.live({ type: 'restore', trial: i, atMs: restoreMs });
          }
          await delay(t.afterMs, undefined, { signal: hooks.signal });
        } finally {
          clearInterval(timer);
          hooks.live({ type: 'stopped', trial: i, atMs: monoMs() });
        }
        const clients = lab.clients.map((c): TrialClient => {
          const fo = analyzeClient(samples.get(c.name)!, { faultMs: faultMs!, restoreMs, kind: 'udp-dns', failedPop: req.pop });
          return { ...fo, affected: src.catchmentNow[c.name] === req.pop } as unknown as TrialClient;
        });
        trials.push({ trial: i, faultMs: faultMs!, faultAtUnixMs: Date.now(), restoreMs: restoreMs!, clients } as TrialResult);
      }
      const bound = { ms: 300, basis: 'BFD 100 ms × 3' };
      const result = {
        lab: lab.name,
        pop: req.pop,
        fault: req.mode,
        bfd: '100x3',
        bound,
        trials,
        summary: summarizeFailover(trials, bound),
      } as unknown as FailoverResult;
      const resultPath = join(req.outDir, 'result.json');
      const reportPath = join(req.outDir, 'report.html');
      await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
      await writeFile(reportPath, `<!doctype html><title>fake report</title><h1>${req.mode} ${req.pop}</h1>\n`);
      return { result, resultPath, reportPath };
    },
    async status(): Promise<LabStatus> {
      const stateOf = (n: string) => src.nodeState[n] ?? 'running';
      const up = (n: string) => stateOf(n) === 'running';
      const routers = lab.routers.map((r): NodeStatus => {
        const sessions = sessionsOf(lab, r.name);
        return {
          lab: lab.name,
          node: r.name,
          role: r.role,
          container: `al-${lab.name}-${r.name}`,
          state: stateOf(r.name),
          bgp: sessions.map((s) => ({
            peer: s.remote.address,
            neighbor: s.remote.node,
            description: s.remote.node,
            state: up(s.remote.node) ? 'Established' : 'Active',
            pfxRcd: 1,
            pfxSnt: 1,
          })),
          bfd: sessions.map((s) => ({ peer: s.remote.address, status: up(s.remote.node) ? 'up' : 'down' })),
          ...(r.role === 'pop' ? { announce: { state: src.drained.has(r.name) ? 'withdrawn' : 'announced' }, drained: src.drained.has(r.name) } : {}),
        };
      });
      const clients = lab.clients.map(
        (c): NodeStatus => ({ lab: lab.name, node: c.name, role: 'client', container: `al-${lab.name}-${c.name}`, state: 'running' }),
      );
      return { labs: [lab.name], nodes: [...routers, ...clients] };
    },
    async catchment() {
      src.catchmentCalls++;
      return { ...src.catchmentNow };
    },
    async lookingGlass(router): Promise<LookingGlass> {
      if (!findRouter(lab, router)) throw new LabError('USAGE', `"${router}" is not a router of lab ${lab.name}`);
      return {
        router,
        prefix: lab.anycast.prefix,
        paths: [
          {
            asPath: '64500',
            peer: '10.77.0.2',
            peerName: 'fra',
            nextHop: '10.77.0.2',
            localPref: 200,
            med: null,
            origin: 'IGP',
            valid: true,
            best: true,
            reason: 'AS Path',
          },
          {
            asPath: '65020 64500',
            peer: '10.77.0.42',
            peerName: 't-us',
            nextHop: '10.77.0.42',
            localPref: 110,
            med: null,
            origin: 'IGP',
            valid: true,
            best: false,
            reason: null,
          },
        ],
      };
    },
    async setFault(pop, mode, broken, family): Promise<ChangeReport> {
      if (!findRouter(lab, pop)) throw new LabError('USAGE', `"${pop}" is not a PoP of lab ${lab.name}`);
      faultMode(mode); // a USAGE error naming the modes, as the live source's
      src.faultCalls.push({ pop, mode, broken, ...(family ? { family } : {}) });
      if (broken) src.broken.set(pop, { mode, ...(family ? { family } : {}) });
      else src.broken.delete(pop);
      // A frozen PoP's container is paused; the other modes leave it running.
      if (mode === 'freeze') src.nodeState[pop] = broken ? 'paused' : 'running';
      return nothingMoved(lab, `${broken ? 'break' : 'restore'} ${pop}: ${mode}`);
    },
    faults: () => Object.fromEntries(src.broken),
    async setDrain(pop, drained): Promise<ChangeReport> {
      if (!findRouter(lab, pop)) throw new LabError('USAGE', `"${pop}" is not a PoP of lab ${lab.name}`);
      src.drainCalls.push({ pop, drained });
      if (drained) src.drained.add(pop);
      else src.drained.delete(pop);
      return nothingMoved(lab, `${drained ? 'withdraw' : 'announce'} ${pop}`);
    },
  };
  return src;
}
