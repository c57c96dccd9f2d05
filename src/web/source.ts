// Where the dashboard's data comes from. The real source (live-source.ts)
// calls the functions the CLI calls; tests hand the server a fake.

import type { LookingGlass } from '../lab/looking-glass.js';
import type { LabStatus } from '../lab/status.js';
import type { Catchment, ChangeReport } from '../policy/catchment.js';
import type { Lab } from '../topology/model.js';

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
  /** `lab break <pop> <mode>` (broken) / `lab restore <pop> <mode>`. */
  setFault(pop: string, mode: string, broken: boolean): Promise<ChangeReport>;
  /** PoP → the fault mode broken through this source and not restored yet. */
  faults(): Record<string, string>;
  /** Ends what the source keeps running (the live source's probe agents) when the dashboard stops. */
  close?(): Promise<void>;
}
