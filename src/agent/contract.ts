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
  health: { interval: number; failures: number; holdDown: number };
  tcp: { idleTimeoutMs: number; maxConnections: number };
}

/** Paths inside PoP containers. */
export const POP_PATHS = {
  config: '/etc/anycast-lab/pop.json',
  /** Responder counters, rewritten about once a second (JSON). */
  stats: '/run/anycast-lab/stats.json',
  /** Health checker state (JSON): announce state, last transition. */
  health: '/run/anycast-lab/health.json',
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
