// What the orchestrator hands to the code that runs inside containers.
// Plain JSON both ways, so the agents stay independent of the orchestrator.

/** Written to /etc/anycast-lab/pop.json in every PoP container. */
export interface PopAgentConfig {
  /** PoP id, e.g. "fra": what CHAOS hostname.bind / id.server / NSID return. */
  pop: string;
  /** Short location code, e.g. "FRA": `colo=` in the HTTP trace. */
  colo: string;
  asn: number;
  prefix: string;
  dnsAddress: string;
  httpAddress: string;
  httpPort: number;
  streamPort: number;
  /** Zone served with authority, trailing dot, e.g. "lab.". */
  zone: string;
  /** Fully qualified name -> IPv4 address (A records). */
  records: Record<string, string>;
  /** The apex NS RRset: fully qualified names, each with an A in `records`. */
  nameservers: string[];
  /** The apex SOA's fields (RFC 1035 §3.3.13). */
  soa: SoaFields;
  health: { interval: number; failures: number; holdDown: number };
  tcp: { idleTimeoutMs: number; maxConnections: number };
  /**
   * Dual-stack labs: the /48 and the addresses the responder and the HTTP
   * trace also listen on, the AAAA records, and a health state of its own
   * (a PoP whose IPv6 service dies withdraws only the /48).
   */
  ipv6?: { prefix: string; dnsAddress: string; httpAddress: string; records: Record<string, string> };
}

export interface SoaFields {
  /** MNAME: the primary name server, fully qualified. */
  mname: string;
  /** RNAME: the responsible mailbox as a name (hostmaster.lab. for hostmaster@lab). */
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  /** Upper bound on negative caching (RFC 2308 §4); the SOA record's own TTL is lower still. */
  minimum: number;
}

/**
 * SOA timers inside the ranges zone checkers accept: Zonemaster's ZONE02
 * (refresh >= 4 h), ZONE04 (retry >= 1 h, below refresh), ZONE05 (expire
 * >= 7 days and >= refresh) and ZONE06 (minimum 300..86400), which sit inside
 * RFC 1912 §2.2's advice. Nothing transfers this zone, so they only have to pass.
 */
export const DEFAULT_SOA_TIMERS = { serial: 1, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 } as const;

/**
 * The apex name servers when the lab file names none: every record at the
 * anycast DNS address (e.g. ns.lab.), else `ns.<zone>`, which the caller adds
 * at that address. Sorted, so every PoP serves the same RRset order.
 */
export function defaultNameservers(zone: string, records: Record<string, string>, dnsAddress: string): string[] {
  const at = Object.entries(records)
    .filter(([, addr]) => addr === dnsAddress)
    .map(([name]) => name.toLowerCase())
    .sort();
  return at.length ? at : [`ns.${zone === '.' ? '' : zone}`];
}

/** The SOA when the lab file sets none of it: MNAME the first name server, RNAME hostmaster.<zone>. */
export const defaultSoa = (zone: string, nameservers: readonly string[], over: Partial<SoaFields> = {}): SoaFields => ({
  mname: nameservers[0] ?? `ns.${zone === '.' ? '' : zone}`,
  rname: `hostmaster.${zone === '.' ? '' : zone}`,
  ...DEFAULT_SOA_TIMERS,
  ...over,
});

/**
 * A PoP's tmpfs (lab/plan.ts mounts it) for the two files its agents rewrite
 * every second. On the container's overlay file system each rewrite cost
 * the host's ext4 a journal commit and a writeback: with 100 PoPs, kernel
 * workers busy ~30 % of a core while the lab sat idle. Nothing here outlives
 * the container's run, and nothing needs to: both are rewritten at start.
 */
export const POP_LIVE_DIR = '/run/anycast-lab/live';

/** Paths inside PoP containers. */
export const POP_PATHS = {
  config: '/etc/anycast-lab/pop.json',
  /** Responder counters, rewritten about once a second (JSON). */
  stats: `${POP_LIVE_DIR}/stats.json`,
  /** Health checker state (JSON): announce state, last transition. */
  health: `${POP_LIVE_DIR}/health.json`,
  /** Health transitions, one JSON object per line. */
  healthLog: '/var/log/anycast-lab/health.log',
  responderPid: '/run/anycast-lab/responder.pid',
  healthPid: '/run/anycast-lab/health.pid',
  /**
   * The operator's drain (`lab withdraw <pop>` creates it, `lab announce`
   * removes it): while it exists the health checker keeps the prefix
   * withdrawn. A recreated container starts undrained.
   */
  drain: '/run/anycast-lab/drain',
} as const;

/** Shell that prints `drained` while a PoP's drain marker exists: for `status`, `withdraw`/`announce` and `up`. */
export const DRAIN_MARKER_TEST = `test -e ${POP_PATHS.drain} && echo drained`;

/** Whether the output of DRAIN_MARKER_TEST says the PoP is drained. */
export const isDrained = (stdout: string): boolean => stdout.trim() === 'drained';

/**
 * Paths inside every router container. frr-start.sh writes `frrReady` (JSON:
 * daemonsMs, applyMs, at) only once frr.conf is applied and checked, and
 * removes it while it (re)starts a daemon; `frrFailed` when it gave up.
 */
export const ROUTER_PATHS = {
  frrReady: '/run/anycast-lab/frr-ready',
  frrFailed: '/run/anycast-lab/frr-failed',
} as const;

/** Paths inside the route collector's container (collector-main.ts writes them). */
export const COLLECTOR_PATHS = {
  /** Every update heard, one CollectorUpdate per line, stamped on arrival. */
  log: '/var/log/anycast-lab/collector.ndjson',
  /** `gobgp monitor` as printed, each line after its arrival's wall ms. */
  raw: '/var/log/anycast-lab/collector-raw.log',
} as const;

/** Where the bundled agents are mounted read-only in every container. */
export const AGENT_DIR = '/opt/anycast-lab';
