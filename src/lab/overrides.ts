// The live overrides a running lab holds, read from the nodes themselves:
// route-map knobs `lab policy` changed (running config against frr.conf) and
// PoPs drained by `lab withdraw` (their marker file). `status`, `up` (which
// keeps them) and `policy --reset-all` (which undoes them) all ask here.

import { DRAIN_MARKER_TEST, isDrained } from '../contract/agent.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab, Router } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { describeOverride, type PolicyOverride } from './policy-overrides.js';
import { readPolicyOverrides } from './router-query.js';

export interface LiveOverrides {
  policy: PolicyOverride[];
  /** PoPs whose drain marker is present. */
  drained: string[];
}

export async function hasDrainMarker(rt: ContainerRuntime, container: string): Promise<boolean> {
  const r = await rt.exec(container, ['sh', '-c', DRAIN_MARKER_TEST], { timeoutMs: 10_000 });
  return isDrained(r.stdout);
}

/**
 * Every override of a running lab. `routers` narrows the look (default: all);
 * `lenient`: a router whose config cannot be read counts as having none
 * (`up`, which has just verified every config), instead of failing.
 */
export async function readOverrides(rt: ContainerRuntime, lab: Lab, o: { routers?: readonly string[]; lenient?: boolean } = {}): Promise<LiveOverrides> {
  const look = lab.routers.filter((r) => !o.routers || o.routers.includes(r.name));
  const read = (r: Router) => readPolicyOverrides(rt, containerName(lab.name, r.name), r.name);
  const policy = (await Promise.all(look.map((r) => (o.lenient ? read(r).catch(() => []) : read(r))))).flat();
  const pops = anycastRouters(lab).filter((r) => look.includes(r));
  const drained = (await Promise.all(pops.map(async (r) => ((await hasDrainMarker(rt, containerName(lab.name, r.name))) ? r.name : null)))).filter(
    (x): x is string => x !== null,
  );
  return { policy, drained };
}

export const describeDrain = (pop: string): string => `${pop} drained (withdrawn by the operator)`;

export function describeOverrides(o: LiveOverrides): string[] {
  return [...o.policy.map(describeOverride), ...o.drained.map(describeDrain)];
}
