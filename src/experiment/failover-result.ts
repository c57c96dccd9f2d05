// What a failover run returns: per trial, per client, per watched router.
// Plain data, written as result.json and read by the reports and the bench.

import type { DetectionMode } from '../fault/detection.js';
import type { CollectorSeen } from '../lab/collector.js';
import type { SCHEMA_VERSION } from '../schema-version.js';
import type { Family } from '../topology/model.js';
import type { ControlPlaneChain, ControlPlaneTimes, ControlPlaneUnmatched } from './control-plane.js';
import type { Bound } from './failover-bounds.js';
import type { ClientStatus } from './failover-clients.js';
import type { StreamCounts, StreamFailover } from './failover-streams.js';
import type { FailoverSummary, TrialClientRow } from './failover-summary.js';

export interface RequestKindResult {
  status: ClientStatus;
  failoverMs: number | null;
  outageMs: number | null;
}

export interface TrialClient extends TrialClientRow {
  failedAfterFault: number;
  failbackMs: number | null;
  failbackOutageMs: number | null;
  tcpDns: RequestKindResult;
  http: RequestKindResult;
  streams: StreamCounts & { details: StreamFailover[] };
  probes: { samples: number; lostSamples: number | null; udpPerS: number; udpMissing: number; cpuMs: number | null };
}

export interface RouterTiming {
  router: string;
  /** neighbour: a BGP peer of the failed PoP; eyeball: the router in front of an affected client. */
  role: 'neighbour' | 'eyeball';
  /** Times relative to the fault, ms. */
  bfdDownMs: number | null;
  holdExpiredMs: number | null;
  bgpDownMs: number | null;
  /** First change of the FIB entry for the anycast prefix after the fault. */
  routeChangeMs: number | null;
  routeChange?: string;
  /** Dual-stack labs: the first change of the FIB entry for the IPv6 prefix (the /48) after the fault. */
  routeChange6Ms?: number | null;
  /** Neighbours: the fault's causal chain through this router, from FRR's debug log and the FIB (see control-plane.ts causalSteps), ms from the fault. */
  controlPlane?: ControlPlaneChain;
}

/** The detecting router's path from BFD down to the first answer from another PoP, ms from the fault. */
export interface ControlPlaneTimeline {
  router: string;
  steps: ControlPlaneTimes;
  /** The kernel's FIB change to the chain's new best path (ip -ts monitor route). */
  fibMs: number | null;
  /** The earliest affected client's first answer from another PoP at or after that FIB change (its detectMs). */
  firstAnswerMs: number | null;
  firstAnswerPop: string | null;
  /** Why a link of the chain has no time (absent when every link matched). */
  unmatched?: ControlPlaneUnmatched;
  line: string;
}

/** One session of the PoP that went Up and at once Down again after the restore. */
export interface FailbackBounce {
  peer: string;
  upMs: number;
  downMs: number;
  /** bgpd's reason for the Down, e.g. "No AFI/SAFI activated for peer". */
  reason: string;
}

export interface TrialResult {
  trial: number;
  /** The random wait before the fault (see FailoverOptions.seed), ms. */
  phaseDelayMs: number;
  faultMs: number;
  /** The fault as Unix ms, to line it up with other clocks (tcpdump, logs). */
  faultAtUnixMs: number;
  restoreMs: number;
  /** How long inject() took (an API call or a few execs). */
  injectMs: number;
  allMoved: boolean;
  /** restore → every affected client answered by the PoP again. */
  failbackMs: number | null;
  /** restore → the whole lab back at baseline (sessions, BFD, routes, catchment). */
  baselineAfterMs: number | null;
  clients: TrialClient[];
  routers: RouterTiming[];
  /** PoP health-checker transitions after the fault (ms relative to it). */
  health: { state: string; atMs: number; reason: string }[];
  /**
   * The route collector's view (labs with `collector: true`): per transit, the
   * first update of the anycast prefix it heard after the fault and after the
   * restore, ms from the fault. A third clock beside the probes and FRR's log.
   */
  collector?: { fault: CollectorSeen[]; restore: CollectorSeen[] };
  /** The first neighbour that saw the fault, step by step (absent when no neighbour logged a step). */
  controlPlane?: ControlPlaneTimeline;
  /**
   * The PoP's sessions that came up after the restore and dropped again within
   * 50 ms (FRR 8.4's race on a passive end at BFD up, docs/failover.md): why a
   * failback can bounce once. ms from the fault; absent when none did.
   */
  failbackBounces?: FailbackBounce[];
  /** Starts of this trial that did not fault because the probes saw the lab off its baseline just before (pre-fault.ts): what they saw, one per start; absent when the first start faulted. */
  offBaseline?: string[];
  svg?: string;
}

export interface FailoverResult {
  /** src/schema-version.ts; docs/schema/failover-result.schema.json. */
  schemaVersion: typeof SCHEMA_VERSION;
  lab: string;
  pop: string;
  fault: string;
  detection: DetectionMode;
  bfd: string;
  timers: { keepaliveS: number; holdS: number };
  bound: Bound;
  /** Replays the same fault phases: `failover … --seed <seed>`. */
  seed: number;
  /** The random delay before each fault is uniform over [0, phaseSpanMs). */
  phaseSpanMs: number;
  /** UDP probe interval, ms: the unit of the per-client outage promises. */
  probeIntervalMs: number;
  trials: TrialResult[];
  summary: FailoverSummary;
  /**
   * The family `trials[].clients` and `summary` measure; absent = ipv4 (an
   * [ipv4] lab writes none, so its result.json reads as before).
   */
  family?: Family;
  /**
   * Which family the fault hit: one (`--fault-family`, the other left
   * serving) or both (the PoP as a whole). Dual-stack labs only: on an
   * [ipv4] lab the fault can only hit IPv4, and its result.json reads as before.
   */
  faultFamily?: FamilyChoice;
  /** `--family both` on a dual-stack lab: the IPv6 side of the same trials, measured by the same agents at the same rates. */
  ipv6?: FamilyFailover;
  outDir?: string;
  wallMs: number;
}

/** One family or both: what `--family` measures, and the family a fault hit (`both`: the PoP as a whole). */
export type FamilyChoice = Family | 'both';

/** One more family's view of the trials: its clients' verdicts and their summary, as the top level has them for `family`. */
export interface FamilyFailover {
  trials: FamilyTrial[];
  summary: FailoverSummary;
}

export interface FamilyTrial {
  trial: number;
  /** Every client on the failed PoP over this family moved before the deadline. */
  allMoved: boolean;
  failbackMs: number | null;
  clients: TrialClient[];
}
