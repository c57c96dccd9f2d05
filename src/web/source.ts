// Where the dashboard's data comes from. The real source (live-source.ts)
// calls the functions the CLI calls; tests hand the server a fake.

import type { TrialLiveEvent } from '../experiment/failover.js';
import type { LookingGlass } from '../lab/looking-glass.js';
import type { LabStatus } from '../lab/status.js';
import type { Catchment, ChangeReport } from '../policy/catchment.js';
import type { RecordedFailover } from '../report/failover-run.js';
import type { Family, Lab } from '../topology/model.js';

/** A failover run as the panel asks for it: checked already (a PoP, a fault mode, 1–5 trials). */
export interface FailoverRunRequest {
  pop: string;
  mode: string;
  trials: number;
  /** Where its files go (a fresh directory under failoverRunsDir()). */
  outDir: string;
}

/** A fault broken from a PoP's card: its mode, and the one family it hit (absent: the PoP as a whole). */
export interface BrokenFault {
  mode: string;
  family?: Family;
}

/** `service, ipv6 only` / `freeze`: the fault as messages name it. */
export const brokenLabel = (b: BrokenFault): string => (b.family ? `${b.mode}, ${b.family} only` : b.mode);

export interface FailoverRunHooks {
  /** The trial as it happens (runFailover's onLive). */
  live(ev: TrialLiveEvent): void;
  /** Each progress step of the run, as the CLI prints it. */
  step(subject: string, step: string, detail?: string): void;
  /** The panel's stop button and the dashboard's shutdown: the fault is restored, as on Ctrl-C. */
  signal: AbortSignal;
}

export interface DashboardSource {
  /** The lab model: routers, clients, links (`lab status` reads the same file). */
  topology(): Lab;
  /** What `lab status` prints: containers, sessions, BFD, announce state. */
  status(): Promise<LabStatus>;
  /** Which PoP answers each client now (its newest UDP CHAOS answer). */
  catchment(): Promise<Catchment>;
  /** `lab lg <router>`: its paths to the anycast prefix. */
  lookingGlass(router: string): Promise<LookingGlass>;
  /** `lab withdraw <pop>` (drained) / `lab announce <pop>`. */
  setDrain(pop: string, drained: boolean): Promise<ChangeReport>;
  /**
   * `lab break <pop> <mode> [--family f]` (broken) / `lab restore <pop> <mode>`.
   * `family`: a break aimed at one family of a dual-stack lab (checked as
   * `break --family` checks it); a restore undoes every family.
   */
  setFault(pop: string, mode: string, broken: boolean, family?: Family): Promise<ChangeReport>;
  /** PoP → the fault broken through this source and not restored yet. */
  faults(): Record<string, BrokenFault>;
  /** `lab failover --pop … --fault … --trials …` with the CLI's other defaults, writing the files the CLI writes. */
  runFailover(req: FailoverRunRequest, hooks: FailoverRunHooks): Promise<RecordedFailover>;
  /** Where `lab failover` puts its runs by default (out/): the panel lists them, and puts its own there. */
  failoverRunsDir(): string;
  /** Ends what the source keeps running (the live source's probe agents) when the dashboard stops. */
  close?(): Promise<void>;
}
