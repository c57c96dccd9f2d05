// Reads FRR's own JSON (vtysh `… json`) into plain data, and decides what a
// converged router looks like. Pure: tested on captured FRR output.
import { findRouter, type Lab, sessionsOf } from '../topology/model.js';
import { expectedRoutes } from '../topology/reachability.js';

export interface BgpPeerState {
  peer: string;
  description?: string;
  remoteAs?: number;
  state: string;
  pfxRcd: number;
  pfxSnt: number;
  uptime?: string;
}

export interface BfdPeerState {
  peer: string;
  status: string;
  transmitInterval?: number;
  receiveInterval?: number;
  detectMultiplier?: number;
  uptimeS?: number;
}

export interface RouterState {
  bgp: BgpPeerState[];
  bfd: BfdPeerState[];
  /** Prefixes present and installed in the FIB. */
  routes: string[];
}

export function parseBgpSummary(json: string): BgpPeerState[] {
  const doc = JSON.parse(json || '{}') as { ipv4Unicast?: { peers?: Record<string, Record<string, unknown>> } };
  const peers = doc.ipv4Unicast?.peers ?? {};
  return Object.entries(peers).map(([peer, p]) => ({
    peer,
    description: (p.desc as string) ?? undefined,
    remoteAs: p.remoteAs as number,
    state: String(p.state ?? p.peerState ?? 'unknown'),
    pfxRcd: Number(p.pfxRcd ?? 0),
    pfxSnt: Number(p.pfxSnt ?? 0),
    uptime: p.peerUptime as string,
  }));
}

export function parseBfdPeers(json: string): BfdPeerState[] {
  const doc = JSON.parse(json || '[]') as Record<string, unknown>[];
  return doc.map((p) => ({
    peer: String(p.peer),
    status: String(p.status),
    transmitInterval: p['transmit-interval'] as number,
    receiveInterval: p['receive-interval'] as number,
    detectMultiplier: p['detect-multiplier'] as number,
    uptimeS: p.uptime as number,
  }));
}

/** `show ip route json` → prefixes with a selected, installed route. */
export function parseInstalledRoutes(json: string): string[] {
  const doc = JSON.parse(json || '{}') as Record<string, { selected?: boolean; installed?: boolean }[]>;
  return Object.entries(doc)
    .filter(([, entries]) => entries.some((e) => e.selected && e.installed))
    .map(([prefix]) => prefix);
}

/**
 * vtysh with several `-c '… json'` prints their documents back to back. Splits
 * them by bracket depth (outside strings), so one vtysh start — the costly part
 * of a query — answers several questions.
 */
export function splitJsonDocuments(text: string): string[] {
  const docs: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && depth > 0 && --depth === 0) {
      docs.push(text.slice(start, i + 1));
    }
  }
  return docs;
}

/** The three documents of `ROUTER_STATE_COMMANDS`, parsed; a router still starting yields empty state. */
export function parseRouterState(text: string): RouterState {
  const [bgp = '', bfd = '', routes = ''] = splitJsonDocuments(text);
  return { bgp: safe(() => parseBgpSummary(bgp), []), bfd: safe(() => parseBfdPeers(bfd), []), routes: safe(() => parseInstalledRoutes(routes), []) };
}

export const ROUTER_STATE_COMMANDS = ['show bgp summary json', 'show bfd peers json', 'show ip route json'] as const;

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    // FRR prints nothing (or a non-JSON banner) while its daemons start.
    return fallback;
  }
}

/** Which kind of convergence a pending line from `pendingOn` is about. */
export type PendingKind = 'bgp' | 'bfd' | 'route';
export function pendingKind(line: string): PendingKind {
  return / BGP session /.test(line) ? 'bgp' : / BFD peer /.test(line) ? 'bfd' : 'route';
}

/**
 * What is still missing on one router for the lab to count as converged:
 * every session Established, every BFD peer up, and the routes its role
 * needs (RoleSpec.converge.routes) that the topology can bring it
 * (topology/reachability.ts).
 */
export function pendingOn(lab: Lab, router: string, state: RouterState): string[] {
  const pending: string[] = [];
  const self = findRouter(lab, router);
  for (const { remote, link } of sessionsOf(lab, router)) {
    const bgp = state.bgp.find((p) => p.peer === remote.address);
    if (bgp?.state !== 'Established') pending.push(`${router}: BGP session to ${remote.node} (${remote.address}) is ${bgp?.state ?? 'not configured'}`);
    if (link.bfd.enabled) {
      const bfd = state.bfd.find((p) => p.peer === remote.address);
      if (bfd?.status !== 'up') pending.push(`${router}: BFD peer ${remote.node} (${remote.address}) is ${bfd?.status ?? 'absent'}`);
    }
  }
  // What reaches it as the policy stands (a peering-only PoP hears one LAN), not every prefix its role could carry.
  const need = self ? expectedRoutes(lab, self.name) : [];
  for (const prefix of need) if (!state.routes.includes(prefix)) pending.push(`${router}: no route to ${prefix}`);
  return pending;
}
