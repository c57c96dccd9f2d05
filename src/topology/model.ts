// The resolved lab: every default applied, every address allocated, every
// reference checked. Everything after topology/ works on this shape only.

import type { SoaFields } from '../contract/agent.js';
import type { LabHosts } from './hosts.js';

/**
 * The router roles, one per spec in topology/roles/registry.ts (its ROLES must
 * list exactly these: the compiler checks). Named here, not derived from the
 * registry, because the specs import this model: deriving it would close a cycle.
 */
export type RouterRole = 'pop' | 'transit' | 'eyeball';
/** A router's role, or a client. */
export type NodeRole = RouterRole | 'client';

/** An address family the lab runs. `[ipv4]` is the lab as it always was; with ipv6 every object below carries its `ipv6` part. */
export type Family = 'ipv4' | 'ipv6';

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
  /** Dual-stack labs: the client's ULA address on its LAN's /64 and its IPv6 default gateway (the eyeball's LAN address). */
  ipv6?: { address: string; gateway: string };
  /** Where the IPv6 catchment is promised to differ from `expect` (the lab file's `expect6:`); absent = same as IPv4. */
  expect6?: { pop: string; backup?: string };
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
  /**
   * Dual-stack labs: the IPv6 session's end. A separate session from the IPv4
   * one (its own BFD, its own policy), so a family can be steered on its own:
   * the policy defaults to this end's IPv4 policy unless the lab file sets
   * `ipv6: { localPref, prepend, med }` on the end.
   */
  ipv6?: { address: string; localPref: number; prepend: number; med?: number };
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
  /** Dual-stack labs: the link's ULA /64 (Docker's bridge takes ::1). */
  ipv6?: { subnet: string; gateway: string };
}

/** A client LAN: one per eyeball router that has clients. */
export interface Lan {
  name: string;
  eyeball: string;
  subnet: string;
  gateway: string;
  routerAddress: string;
  clients: string[];
  /** Dual-stack labs: the LAN's ULA /64, Docker's bridge address (::1) and the eyeball's address on it. */
  ipv6?: { subnet: string; gateway: string; routerAddress: string };
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
  /** Dual-stack labs: the /48 every PoP announces beside the IPv4 prefix, its service addresses, and the AAAA records. */
  ipv6?: AnycastService6;
}

export interface AnycastService6 {
  /** Documentation space by default: 2001:db8::/48. */
  prefix: string;
  dnsAddress: string;
  httpAddress: string;
  /** Fully qualified name -> IPv6 address (AAAA records), each inside `prefix`. */
  records: Record<string, string>;
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
  /** Dual-stack labs: the collector LAN's /64, and an IPv6 session to every transit. */
  ipv6?: { subnet: string; gateway: string; address: string; peers: { router: string; address: string }[] };
}

/** Bounds of one verify case, durations in ms; absent = not gated. */
export interface VerifyBounds {
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
  failbackMs?: number;
  collateral?: number;
  flaps?: number;
  lost?: number;
}

/** A failover gate from the lab file's `verify:` block, checked and with durations in ms. */
export interface VerifyCase {
  name: string;
  pop: string;
  /** A fault mode name (src/fault/). */
  mode: string;
  /** on (the lab file), off, <tx>x<mult>[@pop]: as `lab failover --bfd`. */
  bfd: string;
  trials: number;
  seed?: number;
  /** client → the PoP that must answer it during the fault. */
  expect: Record<string, string>;
  bounds: VerifyBounds;
}

export interface Lab {
  name: string;
  /** Absolute path of the YAML the lab came from. */
  file: string;
  /** Always at least ['ipv4']; the order is the lab file's. */
  families: Family[];
  anycast: AnycastService;
  health: HealthOptions;
  routers: Router[];
  clients: Client[];
  links: Link[];
  lans: Lan[];
  collector?: Collector;
  /** Present when the lab file has a `verify:` block. */
  verify?: VerifyCase[];
  /** Present when the lab file has `hosts:`: the engines and the pinned nodes (placement.ts places the rest). */
  hosts?: LabHosts;
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
