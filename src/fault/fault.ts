// What every fault mode is: inject breaks one PoP, restore puts it back, and
// the flags tell the experiment and the bench how to treat it, so neither
// names a mode. Restore must be idempotent and work from the lab model alone
// (no state kept from inject): it runs in `finally`, also after an inject
// that failed halfway.
import type { Progress } from '../lab/progress.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Family, Lab } from '../topology/model.js';
import type { DetectionMode } from './detection.js';

export interface FaultContext {
  rt: ContainerRuntime;
  lab: Lab;
  /** The PoP the fault hits. */
  pop: string;
  progress: Progress;
  /** Host dir holding <lab>/<node>/frr.conf: a mode that `recreatesNode` recreates the container from it. */
  configRoot: string;
  /**
   * What `prepare` looked up before the fault instant (e.g. interface names),
   * so inject is only the breaking action. Restore never relies on it.
   */
  prepared: Record<string, unknown>;
  /**
   * Hit only this family's service or traffic (`--family ipv6`: only the /48
   * is withdrawn); absent: the PoP as a whole. Only modes with `perFamily`
   * honour it (checkFaultFamily refuses the others up front).
   */
  family?: Family;
}

export interface FaultMode {
  name: string;
  /** One line for `--help` and reports. */
  summary: string;
  /** How the network notices, which decides the theoretical bound and whether clients are expected to move (fault/detection.ts). */
  detection: DetectionMode;
  /**
   * Restore removes the container and creates it again from the lab plan, so
   * whatever the run changed live on it (a BFD override) must be applied again.
   */
  recreatesNode: boolean;
  /**
   * Whether BFD can change when the fault is noticed. False when the session
   * drops at once whatever BFD does (carrier loss on both ends) or routing is
   * not what notices; the bench then skips the BFD-off case.
   */
  bfdMatters: boolean;
  /** Whether the mode can hit one family alone (FaultContext.family). */
  perFamily?: boolean;
  /** Optional look-ups done before the fault time is taken (not part of the fault). */
  prepare?(ctx: FaultContext): Promise<void>;
  inject(ctx: FaultContext): Promise<void>;
  restore(ctx: FaultContext): Promise<void>;
}
