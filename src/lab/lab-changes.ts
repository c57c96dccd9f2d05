// The plan of one `up` against the running lab: what Docker reports (labels,
// states, attachments) and the record of the last converged lab, read here;
// the comparison itself is pure (live-plan.ts). `lab plan`, `up --dry-run`
// and `up` call this one function.
import { imageRefs } from '../runtime/image-store.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { nodeConfigHash } from './artifacts.js';
import { type Applied, type LabState, readApplied, readLabState } from './lab-state.js';
import { type LabChanges, planChanges } from './live-plan.js';
import { type LabPlan, type PlanImages, planLab } from './plan.js';

export interface ChangesOf {
  changes: LabChanges;
  /** The last lab that converged, if any was recorded. */
  previous?: LabState;
  /** router → the frr.conf it runs, where recorded (the base of an in-place change). */
  running: Applied;
}

/** `plan`: the desired plan when `up` has made one (its binds name real paths); otherwise made here from `images`. */
export async function labChanges(rt: ContainerRuntime, lab: Lab, o: { configRoot: string; images: PlanImages; plan?: LabPlan }): Promise<ChangesOf> {
  const plan =
    o.plan ??
    planLab(lab, o.images, { configRoot: o.configRoot, agentDir: '' }, Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)])));
  const [containers, networks, previous, inPlace] = await Promise.all([
    rt.listContainers({ [LABEL.lab]: lab.name }),
    rt.listNetworks({ [LABEL.lab]: lab.name }),
    readLabState(o.configRoot, lab.name),
    readApplied(o.configRoot, lab.name),
  ]);
  // What each router runs: changed in place since, else as it converged, else (no record) its label.
  const running = { ...(previous?.frr ?? {}), ...inPlace };
  const applied = Object.fromEntries(Object.entries(running).map(([r, f]) => [r, f.hash]));
  return { changes: planChanges(lab.name, plan, { containers, networks, applied }), previous, running };
}

/**
 * `lab plan` / `up --dry-run`: the changes an `up` of `lab` would make now,
 * without writing a file or touching a container. The images are the ones
 * `up` would use (a change of the image sources shows as recreate).
 */
export async function dryRun(rt: ContainerRuntime, lab: Lab, configRoot: string): Promise<LabChanges> {
  await rt.ping();
  const images = await imageRefs();
  return (await labChanges(rt, lab, { configRoot, images })).changes;
}
