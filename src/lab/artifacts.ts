// What a lab needs on disk before any container starts: FRR configs (kept so
// people can read what runs), PoP agent configs, and the bundled agents.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAgents } from '../agent/build.js';
import { writeLabConfigs } from '../render/write-configs.js';
import type { Lab } from '../topology/model.js';
import { popAgentConfig } from './plan.js';

export interface Artifacts {
  agentDir: string;
  /** node -> hash of everything mounted into it; a change recreates the node. */
  configHashes: Record<string, string>;
}

export async function writeArtifacts(lab: Lab, configRoot: string): Promise<Artifacts> {
  const hashes = await writeLabConfigs(lab, configRoot);
  const configHashes = Object.fromEntries(hashes);
  for (const pop of lab.routers.filter((r) => r.role === 'pop')) {
    const dir = join(configRoot, lab.name, pop.name, 'agent');
    await mkdir(dir, { recursive: true });
    const body = `${JSON.stringify(popAgentConfig(lab, pop), null, 2)}\n`;
    await writeIfChanged(join(dir, 'pop.json'), body);
    configHashes[pop.name] += body;
  }
  const agentDir = await buildAgents();
  return { agentDir, configHashes };
}

async function writeIfChanged(path: string, body: string) {
  const cur = await readFile(path, 'utf8').catch(() => undefined);
  if (cur !== body) await writeFile(path, body);
}
