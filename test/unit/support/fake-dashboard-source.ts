// A DashboardSource in memory: every router running with every session and
// BFD peer up, each client answered by its expect.pop, and setters a test
// uses to move the catchment or break a link. No Docker.
import { LabError } from '../../../src/errors.js';
import { faultMode } from '../../../src/fault/index.js';
import type { LookingGlass } from '../../../src/lab/looking-glass.js';
import type { LabStatus, NodeStatus } from '../../../src/lab/status.js';
import type { Catchment, ChangeReport } from '../../../src/policy/catchment.js';
import { findRouter, type Lab, sessionsOf } from '../../../src/topology/model.js';
import type { DashboardSource } from '../../../src/web/source.js';

export interface FakeDashboardSource extends DashboardSource {
  catchmentNow: Catchment;
  /** Nodes whose container is not running (e.g. `paused`: frozen). */
  nodeState: Record<string, string>;
  drained: Set<string>;
  drainCalls: { pop: string; drained: boolean }[];
  faultCalls: { pop: string; mode: string; broken: boolean }[];
  /** PoP → fault mode, as the live source keeps it. */
  broken: Map<string, string>;
  catchmentCalls: number;
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
    catchmentNow: Object.fromEntries(lab.clients.map((c) => [c.name, c.expect?.pop ?? null])),
    nodeState: {},
    drained: new Set(),
    drainCalls: [],
    faultCalls: [],
    broken: new Map(),
    catchmentCalls: 0,
    topology: () => lab,
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
    async setFault(pop, mode, broken): Promise<ChangeReport> {
      if (!findRouter(lab, pop)) throw new LabError('USAGE', `"${pop}" is not a PoP of lab ${lab.name}`);
      faultMode(mode); // a USAGE error naming the modes, as the live source's
      src.faultCalls.push({ pop, mode, broken });
      if (broken) src.broken.set(pop, mode);
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
