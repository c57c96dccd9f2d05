// Recreates one node's container exactly as `up` creates it: same plan, same
// image refs, same config hash label (so a later `up` keeps it), and nothing
// else of the lab is touched. Used by the restore of a fault mode that removes the container (`recreatesNode`).
import { join } from 'node:path';
import { AGENT_OUT, buildAgents } from '../agent/build.js';
import { LabError } from '../errors.js';
import { nodeConfigHash } from '../lab/artifacts.js';
import { setOverlayIpv6 } from '../lab/hosts-runtime.js';
import { type LabPlan, planLab } from '../lab/plan.js';
import { startNode } from '../lab/start-node.js';
import { enginesOf, FederatedRuntime } from '../runtime/federation.js';
import { imageRefs } from '../runtime/image-store.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';

export interface RecreateOptions {
  configRoot: string;
}

/** A lab over several hosts: these nodes' overlay ends get their IPv6 addresses and neighbours again, as `up` gave them (a no-op on one engine). */
async function overlayIpv6Again(rt: ContainerRuntime, plan: LabPlan, lab: string, image: string, nodes: readonly string[]): Promise<void> {
  for (const engine of enginesOf(rt)) await setOverlayIpv6(rt, plan, lab, image, engine, nodes);
}

/** After a restore that set interfaces down and up (which flushes permanent neighbours): the overlay ends of `nodes` as `up` set them. */
export async function restoreOverlayIpv6(rt: ContainerRuntime, lab: Lab, nodes: readonly string[], configRoot: string): Promise<void> {
  if (!(rt instanceof FederatedRuntime)) return;
  const images = await imageRefs();
  const plan = planLab(lab, images, { configRoot, agentDir: AGENT_OUT });
  await overlayIpv6Again(rt, plan, lab.name, images.router, nodes);
}

export async function recreateNode(rt: ContainerRuntime, lab: Lab, node: string, opts: RecreateOptions): Promise<string> {
  const images = await imageRefs();
  const agentDir = await buildAgents();
  const plan = planLab(lab, images, { configRoot: opts.configRoot, agentDir }, { [node]: nodeConfigHash(lab, node) });
  const n = plan.nodes.find((p) => p.node === node);
  if (!n) throw new LabError('NOT_FOUND', `node "${node}" is not in lab "${lab.name}" (${lab.file})`);
  const frrConf = join(opts.configRoot, lab.name, node);
  const existing = await rt.inspectContainer(containerName(lab.name, node));
  if (existing) await rt.removeContainer(existing.id);
  try {
    const id = await startNode(rt, n);
    await overlayIpv6Again(rt, plan, lab.name, images.router, [node]);
    return id;
  } catch (err) {
    throw new LabError('NODE_START', `node "${node}" recreate (configs in ${frrConf}): ${(err as Error).message}`, { cause: err });
  }
}
