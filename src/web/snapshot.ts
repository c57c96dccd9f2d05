// The one JSON event the dashboard streams: node, link and PoP state from
// `lab status`, and the catchment asked from inside the clients. Pure.
import type { LabStatus, NodeStatus } from '../lab/status.js';
import type { Catchment } from '../policy/catchment.js';
import { expectedPop } from '../probe/ask-clients.js';
import { familyKey } from '../probe/who.js';
import type { Family, Lab, Link } from '../topology/model.js';
import { colourOf, popColours } from './pop-colours.js';
import type { BrokenFault } from './source.js';

/** up: both ends that report say Established (BFD: Up); down: one says otherwise; unknown: no end reports. `off`: BFD not configured. */
export type SessionState = 'up' | 'down' | 'unknown';

export interface LinkState {
  bgp: SessionState;
  bfd: SessionState | 'off';
}

export interface PopState {
  /** The health checker's word: announced, withdrawn; null when it has not written one (or the PoP is down). */
  announce: string | null;
  /** `lab withdraw` marked it drained. */
  drained: boolean;
  /** The fault mode the dashboard broke it with (`break` from its card), until restored; null: none. */
  broken: string | null;
  /** A dual-stack lab's break aimed at one family: that family (absent: the PoP as a whole, or no break). */
  brokenFamily?: Family;
  colour: string;
}

export interface CatchmentCell {
  /** The PoP that answered, null: no answer within the probe's deadline. */
  pop: string | null;
  expected: string | null;
  colour: string;
}

/** A client's IPv4 answer at the top level (as on an [ipv4] lab); a dual-stack lab adds its IPv6 one. */
export interface CatchmentRowState extends CatchmentCell {
  client: string;
  ipv6?: CatchmentCell;
}

export interface DashboardEvent {
  seq: number;
  /** Wall clock of the snapshot (ISO 8601). */
  at: string;
  /** Container state per node: running, paused (frozen), exited…; absent: no container. */
  nodes: Record<string, string>;
  links: Record<string, LinkState>;
  pops: Record<string, PopState>;
  catchment: CatchmentRowState[];
  /** What could not be read this time (status or catchment), for the page's banner. */
  errors: string[];
}

const established = (s: string) => s === 'Established';

function endState(n: NodeStatus | undefined, link: Link, remoteNode: string, remoteAddress: string): { bgp?: boolean; bfd?: boolean } {
  if (!n) return {};
  if (n.state !== 'running') return { bgp: false, bfd: false };
  const peer = n.bgp?.find((p) => p.neighbor === remoteNode || p.peer === remoteAddress);
  const bfd = link.bfd.enabled ? n.bfd?.find((p) => p.peer === remoteAddress) : undefined;
  return {
    ...(n.bgp ? { bgp: !!peer && established(peer.state) } : {}),
    ...(link.bfd.enabled && n.bfd ? { bfd: bfd?.status === 'up' } : {}),
  };
}

const combine = (xs: (boolean | undefined)[]): SessionState => {
  const known = xs.filter((x): x is boolean => x !== undefined);
  return !known.length ? 'unknown' : known.every(Boolean) ? 'up' : 'down';
};

export function linkStates(lab: Lab, status: LabStatus | null): Record<string, LinkState> {
  const byNode = new Map((status?.nodes ?? []).filter((n) => n.lab === lab.name).map((n) => [n.node, n]));
  return Object.fromEntries(
    lab.links.map((l) => {
      const a = endState(byNode.get(l.a.node), l, l.b.node, l.b.address);
      const b = endState(byNode.get(l.b.node), l, l.a.node, l.a.address);
      return [l.name, { bgp: combine([a.bgp, b.bgp]), bfd: l.bfd.enabled ? combine([a.bfd, b.bfd]) : 'off' }];
    }),
  );
}

export function buildEvent(
  lab: Lab,
  seq: number,
  at: Date,
  status: LabStatus | null,
  catchment: Catchment | null,
  errors: string[] = [],
  faults: Record<string, BrokenFault> = {},
): DashboardEvent {
  const colours = popColours(lab);
  const byNode = new Map((status?.nodes ?? []).filter((n) => n.lab === lab.name).map((n) => [n.node, n]));
  const pops = Object.fromEntries(
    Object.keys(colours).map((name): [string, PopState] => {
      const n = byNode.get(name);
      const ann = n?.announce as { state?: unknown } | null | undefined;
      const announce = n?.state === 'running' && typeof ann?.state === 'string' ? ann.state : null;
      const fault = faults[name];
      const family = fault?.family ? { brokenFamily: fault.family } : {};
      return [name, { announce, drained: n?.drained === true, broken: fault?.mode ?? null, ...family, colour: colours[name] }];
    }),
  );
  return {
    seq,
    at: at.toISOString(),
    nodes: Object.fromEntries([...byNode].map(([k, n]) => [k, n.state])),
    links: linkStates(lab, status),
    pops,
    catchment: lab.clients.map((c) => {
      const cell = (family: Family): CatchmentCell => {
        const pop = catchment?.[familyKey(c.name, family)] ?? null;
        return { pop, expected: expectedPop(c, family), colour: colourOf(colours, pop) };
      };
      return { client: c.name, ...cell('ipv4'), ...(lab.anycast.ipv6 ? { ipv6: cell('ipv6') } : {}) };
    }),
    errors,
  };
}
