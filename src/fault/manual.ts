// `lab break <pop> <mode>` / `lab restore <pop> <mode>`: one fault by hand,
// for a workshop ("break fra, then watch the wall"), through the fault modes
// the failover runs use, with the catchment before and after. No stopwatch:
// `failover` times; this leaves the PoP broken until restore.
import type { ChangeReport } from '../policy/catchment.js';
import { checkAnycastRouter, type LiveOptions, measureChange } from '../policy/live-policy.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Family, Lab } from '../topology/model.js';
import type { FaultContext, FaultMode } from './fault.js';
import { checkFaultFamily } from './index.js';

export interface ManualFaultOptions extends LiveOptions {
  /** Host dir holding <lab>/<node>/frr.conf, for a restore that recreates the node. */
  configRoot: string;
  /** Hit only this family (a mode with `perFamily`, a dual-stack lab); absent: the PoP as a whole. */
  family?: Family;
}

/**
 * `broken`: inject `mode` on `pop` (a failed inject is restored, so nothing is
 * left half-broken); otherwise restore it (idempotent: restoring what was
 * never broken changes nothing). Reports how the catchment moved.
 */
export async function setFault(
  rt: ContainerRuntime,
  lab: Lab,
  popName: string,
  mode: FaultMode,
  broken: boolean,
  o: ManualFaultOptions,
): Promise<ChangeReport> {
  const pop = checkAnycastRouter(lab, popName, 'break/restore');
  checkFaultFamily(mode, lab, o.family);
  const ctx: FaultContext = { rt, lab, pop: pop.name, progress: o.progress, configRoot: o.configRoot, prepared: {}, ...(o.family ? { family: o.family } : {}) };
  const only = o.family ? ` (${o.family} only)` : '';
  const change = broken
    ? `break ${pop.name}: ${mode.name}${only} (${mode.summary}); undo with \`restore ${pop.name} ${mode.name}\``
    : `restore ${pop.name}: undo ${mode.name}`;
  return measureChange(
    rt,
    lab,
    change,
    async () => {
      if (broken) {
        await mode.prepare?.(ctx);
        try {
          await mode.inject(ctx);
        } catch (e) {
          await mode.restore({ ...ctx, prepared: {} }).catch(() => undefined);
          throw e;
        }
      } else await mode.restore(ctx);
      return { applied: [{ node: pop.name, commands: [`fault ${mode.name}${only}: ${broken ? 'inject' : 'restore'}`] }] };
    },
    o,
  );
}
