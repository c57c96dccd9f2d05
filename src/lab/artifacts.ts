// What a lab needs on disk before any container starts: FRR configs (kept so
// people can read what runs), the agent configs of roles that have agents
// (RoleSpec.container.agentFiles), and the bundled agents.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAgents } from '../agent/build.js';
import { REPO_ROOT } from '../paths.js';
import { renderRouter } from '../render/frr-config.js';
import { configHash, writeLabConfigs } from '../render/write-configs.js';
import type { Lab, Router } from '../topology/model.js';
import { roleSpec } from '../topology/roles/registry.js';

export interface Artifacts {
  agentDir: string;
  /** node -> hash of everything mounted into it; a change recreates the node. */
  configHashes: Record<string, string>;
}

const agentFilesOf = (lab: Lab, router: Router): Record<string, string> => roleSpec(router.role).container.agentFiles(lab, router);

/**
 * Pure: the config hash of one router, from the lab model alone — its FRR
 * files, plus its role's agent config files (a PoP's pop.json). `up` labels
 * containers with it and a recreated node gets the same, so a later `up` keeps it.
 */
export function nodeConfigHash(lab: Lab, node: string): string {
  const router = lab.routers.find((r) => r.name === node);
  if (!router) return '';
  const frr = configHash(renderRouter(lab, node)) + routerInitHash();
  return frr + Object.values(agentFilesOf(lab, router)).join('');
}

let initHash: string | undefined;
/**
 * The code a router runs is part of what it is: a container started by an
 * older router-init.sh/frr-start.sh, or whose agents (health checker,
 * responder: loaded once at start) were built from older sources, is
 * recreated, not kept.
 */
export function routerInitHash(): string {
  if (initHash) return initHash;
  const agentDir = join(REPO_ROOT, 'src', 'agent');
  const files = readdirSync(agentDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|sh)$/.test(f))
    .sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(agentDir, f)))
      .update('\0');
  initHash = h.digest('hex').slice(0, 12);
  return initHash;
}

export async function writeArtifacts(lab: Lab, configRoot: string): Promise<Artifacts> {
  await writeLabConfigs(lab, configRoot);
  for (const router of lab.routers) {
    const files = Object.entries(agentFilesOf(lab, router));
    if (!files.length) continue;
    const dir = join(configRoot, lab.name, router.name, 'agent');
    await mkdir(dir, { recursive: true });
    for (const [name, body] of files) await writeIfChanged(join(dir, name), body);
  }
  const agentDir = await buildAgents();
  return { agentDir, configHashes: Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)])) };
}

async function writeIfChanged(path: string, body: string) {
  const cur = await readFile(path, 'utf8').catch(() => undefined);
  if (cur !== body) await writeFile(path, body);
}
