// The dashboard's data from a running lab, through the functions the CLI
// uses: `status` (labStatus), `withdraw`'s catchment poll (askCatchment),
// `lg` (readBgpPaths), `withdraw`/`announce` (setDrain).
import { LabError } from '../errors.js';
import { readBgpPaths } from '../lab/looking-glass.js';
import type { Progress } from '../lab/progress.js';
import { labStatus } from '../lab/status.js';
import { setDrain } from '../policy/live-policy.js';
import { askCatchment } from '../probe/ask-clients.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { findRouter, type Lab } from '../topology/model.js';
import type { DashboardSource } from './source.js';

/**
 * dig's deadline for the live catchment: a query sent to a PoP just frozen is
 * lost; with 1 s its row shows the new PoP about 1 s after the fault (plus
 * BFD's detection), inside the 2 s the issue asks for.
 */
const CATCHMENT_DIG_TIMEOUT_S = 1;

export function liveSource(rt: ContainerRuntime, lab: Lab, progress: Progress): DashboardSource {
  return {
    topology: () => lab,
    status: () => labStatus(rt, lab.name, { overrides: false }),
    catchment: () => askCatchment(rt, lab, CATCHMENT_DIG_TIMEOUT_S),
    lookingGlass: async (router) => {
      if (!findRouter(lab, router))
        throw new LabError('USAGE', `"${router}" is not a router of lab ${lab.name}; routers: ${lab.routers.map((r) => r.name).join(', ')}`);
      return readBgpPaths(rt, containerName(lab.name, router), router, lab.anycast.prefix);
    },
    setDrain: (pop, drained) => setDrain(rt, lab, pop, drained, { progress }),
  };
}
