// `lab break <pop> <mode>` / `lab restore <pop> <mode>`: one fault by hand,
// for a workshop ("break fra, then watch the wall"), through the fault modes
// the failover runs use, with the catchment before and after. No stopwatch:
// `failover` times; this leaves the PoP broken until restore.
import type { Progress } from '../lab/progress.js';
import type { ChangeReport } from '../policy/catchment.js';
import { checkAnycastRouter, type LiveOptions, measureChange } from '../policy/live-policy.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import type { FaultContext, FaultMode } from './fault.js';

export interface ManualFaultOptions extends LiveOptions {
  /** Host dir holding <lab>/<node>/frr.conf, for a restore that recreates the node. */
  configRoot: string;
}

const context = (rt: ContainerRuntime, lab: Lab, pop: string, progress: Progress, configRoot: string): FaultContext => ({
  rt,
  lab,
  pop,
  progress,
  configRoot,
  prepared: {},
});

/** Injects `mode` on `pop` and reports how the catchment moved. A failed inject is restored, so nothing is left half-broken. */
export async function breakPop(rt: ContainerRuntime, lab: Lab, popName: string, mode: FaultMode, o: ManualFaultOptions): Promise<ChangeReport> {
  const pop = checkAnycastRouter(lab, popName, 'break/restore');
  const ctx = context(rt, lab, pop.name, o.progress, o.configRoot);
  return measureChange(
    rt,
    lab,
    `break ${pop.name}: ${mode.name} (${mode.summary}); undo with \`restore ${pop.name} ${mode.name}\``,
    async () => {
      await mode.prepare?.(ctx);
      try {
        await mode.inject(ctx);
      } catch (e) {
        await mode.restore({ ...ctx, prepared: {} }).catch(() => undefined);
        throw e;
      }
      return { applied: [{ node: pop.name, commands: [`fault ${mode.name}: inject`] }] };
    },
    o,
  );
}

/** Restores `mode` on `pop` (idempotent: restoring what was never broken changes nothing) and reports how the catchment moved. */
export async function restorePop(rt: ContainerRuntime, lab: Lab, popName: string, mode: FaultMode, o: ManualFaultOptions): Promise<ChangeReport> {
  const pop = checkAnycastRouter(lab, popName, 'break/restore');
  const ctx = context(rt, lab, pop.name, o.progress, o.configRoot);
  return measureChange(
    rt,
    lab,
    `restore ${pop.name}: undo ${mode.name}`,
    async () => {
      await mode.restore(ctx);
      return { applied: [{ node: pop.name, commands: [`fault ${mode.name}: restore`] }] };
    },
    o,
  );
}
