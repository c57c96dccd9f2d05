// Recreates one node's container exactly as `up` creates it: same plan, same
// image refs, same config hash label (so a later `up` keeps it), and nothing
// else of the lab is touched. Used by the `kill` fault's restore.
import { join } from 'node:path';
import { buildAgents } from '../agent/build.js';
import { LabError } from '../errors.js';
import { configHash } from '../render/write-configs.js';
import { renderRouter } from '../render/frr-config.js';
import { imageRefs } from '../runtime/images.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { findRouter, type Lab } from '../topology/model.js';
import { planLab, popAgentConfig } from './plan.js';

export interface RecreateOptions {
  configRoot: string;
}

/**
 * The config hash `up` puts on a node: FRR files' hash, plus the PoP agent
 * config body for PoPs (see labUp). Both come from the lab model, so they
 * match what `up` wrote without rewriting anything.
 */
export function nodeConfigHash(lab: Lab, node: string): string {
  const router = findRouter(lab, node);
  if (!router) return '';
  const frr = configHash(renderRouter(lab, node));
  return router.role === 'pop' ? frr + `${JSON.stringify(popAgentConfig(lab, router), null, 2)}\n` : frr;
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
  let id: string | undefined;
  try {
    id = await rt.createContainer(n.spec);
    await rt.startContainer(id);
    if (n.routeHelper) {
      const r = await rt.runToCompletion(n.routeHelper, 60_000);
      if (r.exitCode !== 0) throw new LabError('NODE_START', `client ${node}: setting its default route failed: ${r.stderr.trim()}`);
    }
  } catch (err) {
    if (id) await rt.removeContainer(id).catch(() => undefined);
    throw new LabError('NODE_START', `node "${node}" recreate (configs in ${frrConf}): ${(err as Error).message}`, { cause: err });
  }
  return id;
}
