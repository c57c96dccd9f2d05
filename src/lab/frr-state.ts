// Reads FRR's own JSON (vtysh `… json`) into plain data, and decides what a
// converged router looks like. Pure: tested on captured FRR output.
import { type Family, findRouter, type Lab, sessionsOf } from '../topology/model.js';
import { expectedRoutes } from '../topology/reachability.js';

export interface BgpPeerState {
  peer: string;
  /** 'ipv6' for an IPv6 session (a dual-stack lab's second session per link); absent for IPv4, as it always was. */
  family?: Family;
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
  /** Prefixes present and installed in the FIB, IPv4 then IPv6 (`show ip route`, `show ipv6 route`). */
  routes: string[];
}

type SummaryAf = { peers?: Record<string, Record<string, unknown>> };

/**
 * `show bgp summary json` without an address family answers for every one
 * that has peers: `ipv4Unicast`, and in a dual-stack lab `ipv6Unicast`. A
 * session's family is its peer's address family (each family has its own
 * sessions here); a peer listed under both is one session, listed once.
 */
export function parseBgpSummary(json: string): BgpPeerState[] {
  const doc = JSON.parse(json || '{}') as { ipv4Unicast?: SummaryAf; ipv6Unicast?: SummaryAf };
  const entries = [...Object.entries(doc.ipv4Unicast?.peers ?? {}), ...Object.entries(doc.ipv6Unicast?.peers ?? {})];
  const seen = new Set<string>();
  return entries
    .filter(([peer]) => !seen.has(peer) && seen.add(peer))
    .map(([peer, p]) => ({
      peer,
      ...(peer.includes(':') ? { family: 'ipv6' as const } : {}),
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

/** The documents of `ROUTER_STATE_COMMANDS`, parsed; a router still starting yields empty state. */
export function parseRouterState(text: string): RouterState {
  const [bgp = '', bfd = '', routes = '', routes6 = ''] = splitJsonDocuments(text);
  return {
    bgp: safe(() => parseBgpSummary(bgp), []),
    bfd: safe(() => parseBfdPeers(bfd), []),
    routes: [...safe(() => parseInstalledRoutes(routes), []), ...safe(() => parseInstalledRoutes(routes6), [])],
  };
}

/**
 * Both families' routes are read in every lab: an [ipv4] lab's routers run
 * with IPv6 disabled and answer `{}` for the IPv6 table (one more question
 * to zebra over the same vtysh or vty socket).
 */
export const ROUTER_STATE_COMMANDS = ['show bgp summary json', 'show bfd peers json', 'show ip route json', 'show ipv6 route json'] as const;

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
  const bgpPeers = new Map(state.bgp.map((p) => [canonicalAddress(p.peer), p]));
  const bfdPeers = new Map(state.bfd.map((p) => [canonicalAddress(p.peer), p]));
  for (const { remote, link } of sessionsOf(lab, router)) {
    // Each family's session on its own: both must be up (and their BFD), a dual-stack link is not half converged.
    for (const address of [remote.address, ...(remote.ipv6 ? [remote.ipv6.address] : [])]) {
      const bgp = bgpPeers.get(canonicalAddress(address));
      if (bgp?.state !== 'Established') pending.push(`${router}: BGP session to ${remote.node} (${address}) is ${bgp?.state ?? 'not configured'}`);
      if (link.bfd.enabled) {
        const bfd = bfdPeers.get(canonicalAddress(address));
        if (bfd?.status !== 'up') pending.push(`${router}: BFD peer ${remote.node} (${address}) is ${bfd?.status ?? 'absent'}`);
      }
    }
  }
  // What reaches it as the policy stands (a peering-only PoP hears one LAN), not every prefix its role could carry;
  // both families' in a dual-stack lab (the roles' converge.routes list the /48 and the LAN /64s too).
  const need = self ? expectedRoutes(lab, self.name) : [];
  const installed = new Set(state.routes.map(canonicalPrefix));
  for (const prefix of need) if (!installed.has(canonicalPrefix(prefix))) pending.push(`${router}: no route to ${prefix}`);
  return pending;
}

/** One spelling per address (FRR prints IPv6 compressed, lower case), so a lab file's `fd00:87:0:05::3` still matches. */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

const canonicalPrefix = (prefix: string): string => {
  const [addr = '', len] = prefix.split('/');
  return len === undefined ? canonicalAddress(addr) : `${canonicalAddress(addr)}/${len}`;
};
