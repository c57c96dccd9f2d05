// The dashboard's data from a running lab, through the functions the CLI
// uses: `status` (labStatus), the failover runs' probe agent (catchmentStream),
// `lg` (readBgpPaths), `withdraw`/`announce` (setDrain).
import { LabError } from '../errors.js';
import { readBgpPaths } from '../lab/looking-glass.js';
import type { Progress } from '../lab/progress.js';
import { labStatus } from '../lab/status.js';
import { setDrain } from '../policy/live-policy.js';
import { catchmentStream } from '../probe/catchment-stream.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { findRouter, type Lab } from '../topology/model.js';
import type { DashboardSource } from './source.js';

export function liveSource(rt: ContainerRuntime, lab: Lab, progress: Progress): DashboardSource {
  // A client's row follows its newest answer: a probe every 200 ms, so a
  // frozen PoP's clients show the backup about BFD's detection + 200 ms after the fault.
  const catchment = catchmentStream(rt, lab);
  return {
    topology: () => lab,
    status: () => labStatus(rt, lab.name, { overrides: false }),
    catchment: () => catchment.read(),
    close: () => catchment.close(),
    lookingGlass: async (router) => {
      if (!findRouter(lab, router))
        throw new LabError('USAGE', `"${router}" is not a router of lab ${lab.name}; routers: ${lab.routers.map((r) => r.name).join(', ')}`);
      return readBgpPaths(rt, containerName(lab.name, router), router, lab.anycast.prefix);
    },
    setDrain: (pop, drained) => setDrain(rt, lab, pop, drained, { progress }),
  };
}
