// The dashboard's data from a running lab, through the functions the CLI
// uses: `status` (labStatus), the failover runs' probe agent (catchmentStream),
// `lg` (readBgpPaths), `withdraw`/`announce` (setDrain), `break`/`restore`
// (setFault), `failover` (recordFailover).
import { LabError } from '../errors.js';
import { faultMode } from '../fault/index.js';
import { setFault } from '../fault/manual.js';
import { readBgpPaths } from '../lab/looking-glass.js';
import { createProgress, type Progress } from '../lab/progress.js';
import { labStatus } from '../lab/status.js';
import { setDrain } from '../policy/live-policy.js';
import { catchmentStream } from '../probe/catchment-stream.js';
import { monoMs } from '../probe/sample.js';
import { FAILOVER_RUNS_ROOT, recordFailover } from '../report/failover-run.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { findRouter, type Lab } from '../topology/model.js';
import { type BrokenFault, brokenLabel, type DashboardSource } from './source.js';

/** `configRoot`: the rendered configs, for a restore that recreates a node (`kill`). */
export function liveSource(rt: ContainerRuntime, lab: Lab, progress: Progress, configRoot: string): DashboardSource {
  // A client's row follows its newest answer: a probe every 200 ms, so a
  // frozen PoP's clients show the backup about BFD's detection + 200 ms after the fault.
  const catchment = catchmentStream(rt, lab);
  const broken = new Map<string, BrokenFault>();
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
    async setFault(pop, modeName, doBreak, family) {
      const mode = faultMode(modeName);
      const o = { progress, configRoot, ...(doBreak && family ? { family } : {}) };
      if (!doBreak) {
        const r = await setFault(rt, lab, pop, mode, false, o);
        broken.delete(pop);
        return r;
      }
      const already = broken.get(pop);
      if (already) throw new LabError('USAGE', `${pop} is already broken (${brokenLabel(already)}): restore it first`);
      // Marked before the inject: a fault that breaks the PoP and then fails to report still shows a restore button.
      broken.set(pop, { mode: mode.name, ...(family ? { family } : {}) });
      try {
        return await setFault(rt, lab, pop, mode, true, o);
      } catch (e) {
        broken.delete(pop); // setFault restored it
        throw e;
      }
    },
    faults: () => Object.fromEntries(broken),
    runFailover: async (req, hooks) => {
      // The run probes every client itself; the dashboard's agents would only add load (the loop stops reading them meanwhile).
      await catchment.close();
      return recordFailover(
        {
          rt,
          lab,
          configRoot,
          clock: { monoMs, wallMs: () => Date.now() },
          // Both: the terminal that runs `web` logs the run as `failover` would, and the panel shows its newest step.
          progress: createProgress((ev) => {
            progress.step(ev.subject, ev.step, ev.detail);
            hooks.step(ev.subject, ev.step, ev.detail);
          }),
          signal: hooks.signal,
          onLive: hooks.live,
        },
        // The CLI's defaults for what the panel does not ask: --bfd on (the lab file's), a fresh random seed.
        { pop: req.pop, fault: faultMode(req.mode), trials: req.trials, bfd: 'lab', outDir: req.outDir },
      );
    },
    failoverRunsDir: () => FAILOVER_RUNS_ROOT,
  };
}
