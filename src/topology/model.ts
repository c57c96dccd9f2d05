// The resolved lab: every default applied, every address allocated, every
// reference checked. Everything after topology/ works on this shape only.

import type { SoaFields } from '../agent/contract.js';
import type { Role } from './roles/registry.js';

/** One of the registered roles (topology/roles/registry.ts). */
export type RouterRole = Role;
/** A router's role, or a client. */
export type NodeRole = RouterRole | 'client';

export interface BfdOptions {
  enabled: boolean;
  /** Transmit/receive interval, ms (FRR accepts 10..60000). */
  interval: number;
  multiplier: number;
}

export interface BgpTimers {
  /** Seconds. */
  keepalive: number;
  /** Seconds; 0 disables the hold timer. */
  hold: number;
}

export interface Router {
  kind: 'router';
  name: string;
  role: RouterRole;
  asn: number;
  routerId: string;
  location: string;
  /** PoPs only: the short code shown to users, e.g. "FRA". */
  colo?: string;
}

export interface Client {
  kind: 'client';
  name: string;
  role: 'client';
  /** The eyeball router this client sits behind. */
  eyeball: string;
  lan: string;
  address: string;
  gateway: string;
  location: string;
  /** Catchment the lab file promises: the PoP that answers, and the one that takes over when it fails. */
  expect?: { pop: string; backup?: string };
}

/** One side of an eBGP session; policy is applied by this side. */
export interface LinkEnd {
  node: string;
  address: string;
  /** Local preference this side sets on routes learned from the other side. */
  localPref: number;
  /** How many times this side prepends its own ASN on what it sends. */
  prepend: number;
  /** MED this side sends, if any. */
  med?: number;
  /**
   * ASN this side configures for its neighbour when it differs from the
   * neighbour's real one: a deliberate misconfiguration for troubleshooting
   * exercises (the session never establishes).
   */
  remoteAs?: number;
}

export interface Link {
  /** Stable id, "<a>--<b>"; also the Docker network's suffix. */
  name: string;
  subnet: string;
  /** Docker's bridge takes the first host address; nodes never use it. */
  gateway: string;
  a: LinkEnd;
  b: LinkEnd;
  bfd: BfdOptions;
  timers: BgpTimers;
  /** One-way delay in ms (netem on both ends); absent = no shaping. */
  delayMs?: number;
}

/** A client LAN: one per eyeball router that has clients. */
export interface Lan {
  name: string;
  eyeball: string;
  subnet: string;
  gateway: string;
  routerAddress: string;
  clients: string[];
}

export interface AnycastService {
  prefix: string;
  dnsAddress: string;
  httpAddress: string;
  streamPort: number;
  zone: string;
  /** Fully qualified name (trailing dot) -> IPv4 address. */
  records: Record<string, string>;
  /** The apex NS RRset, each name with its address in `records`, inside the prefix. */
  nameservers: string[];
  soa: SoaFields;
}

export interface HealthOptions {
  /** Self-check period, ms. */
  interval: number;
  /** Consecutive failures before the prefix is withdrawn. */
  failures: number;
  /** Healthy time before re-announcing, ms. */
  holdDown: number;
}

/**
 * The passive route collector (`collector: true`): GoBGP in its own container
 * on one LAN shared with every transit, like a RIPE RIS collector at an IXP.
 */
export interface Collector {
  /** Its node and container name. */
  name: string;
  asn: number;
  subnet: string;
  /** Docker's bridge address on the collector LAN. */
  gateway: string;
  /** The collector's address (also its BGP router-id). */
  address: string;
  /** Every transit, with its address on the collector LAN. */
  peers: { router: string; asn: number; address: string }[];
  /** The lab's BGP timers (`bgp:`), on both ends of each collector session. */
  timers: { keepalive: number; hold: number };
}

export interface Lab {
  name: string;
  /** Absolute path of the YAML the lab came from. */
  file: string;
  anycast: AnycastService;
  health: HealthOptions;
  routers: Router[];
  clients: Client[];
  links: Link[];
  lans: Lan[];
  collector?: Collector;
}

/** Subnets of the client LANs behind one router. */
export const lansOf = (lab: Lab, router: string): string[] => lab.lans.filter((l) => l.eyeball === router).map((l) => l.subnet);

export const allLans = (lab: Lab): string[] => lab.lans.map((l) => l.subnet);

export const findRouter = (lab: Lab, name: string): Router | undefined => lab.routers.find((r) => r.name === name);

/** Sessions of one router, seen from its side. */
export function sessionsOf(lab: Lab, router: string): { link: Link; local: LinkEnd; remote: LinkEnd }[] {
  const out: { link: Link; local: LinkEnd; remote: LinkEnd }[] = [];
  for (const link of lab.links) {
    if (link.a.node === router) out.push({ link, local: link.a, remote: link.b });
    else if (link.b.node === router) out.push({ link, local: link.b, remote: link.a });
  }
  return out;
}
