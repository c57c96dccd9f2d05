// Recreates one node's container exactly as `up` creates it: same plan, same
// image refs, same config hash label (so a later `up` keeps it), and nothing
// else of the lab is touched. Used by the restore of a fault mode that removes the container (`recreatesNode`).
import { join } from 'node:path';
import { buildAgents } from '../agent/build.js';
import { LabError } from '../errors.js';
import { nodeConfigHash } from '../lab/artifacts.js';
import { planLab } from '../lab/plan.js';
import { startNode } from '../lab/start-node.js';
import { imageRefs } from '../runtime/image-store.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';

export interface RecreateOptions {
  configRoot: string;
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
    return await startNode(rt, n);
  } catch (err) {
    throw new LabError('NODE_START', `node "${node}" recreate (configs in ${frrConf}): ${(err as Error).message}`, { cause: err });
  }
}
