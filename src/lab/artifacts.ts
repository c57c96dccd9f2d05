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
  /** node -> hash of everything mounted into it but frr.conf; a change recreates the node. */
  configHashes: Record<string, string>;
}

const agentFilesOf = (lab: Lab, router: Router): Record<string, string> => roleSpec(router.role).container.agentFiles(lab, router);

/**
 * Pure: what a router's container is made from, beside its image and
 * addresses — its daemons and vtysh.conf (which daemons run), the start-up
 * scripts, its role's agent config files (a PoP's pop.json, read once at
 * start). A change here recreates the router. Its frr.conf is not part of
 * it: that is applied in place (nodeFrrHash, reconfigure.ts), so a new
 * neighbour does not cost a router its container.
 */
export function nodeConfigHash(lab: Lab, node: string): string {
  const router = lab.routers.find((r) => r.name === node);
  if (!router) return '';
  const files = renderRouter(lab, node);
  // Comments name the lab file: the same lab under another name is no change.
  const frr =
    configHash({ 'frr.conf': '', daemons: withoutComments(files.daemons, '#'), 'vtysh.conf': withoutComments(files['vtysh.conf'], '!') }) + routerInitHash();
  return frr + Object.values(agentFilesOf(lab, router)).join('');
}

/**
 * Pure: a hash of a router's frr.conf statements, comments left out (the
 * header names the lab file: the same lab under another file name is not a
 * change). `up` labels a router with it and records it when the lab
 * converged; a different one is a reconfiguration in place.
 */
export function nodeFrrHash(lab: Lab, node: string): string {
  if (!lab.routers.some((r) => r.name === node)) return '';
  return frrTextHash(renderRouter(lab, node)['frr.conf']);
}

export const frrTextHash = (conf: string): string => createHash('sha256').update(withoutComments(conf, '!')).digest('hex').slice(0, 12);

const withoutComments = (text: string, mark: string): string =>
  text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith(mark))
    .join('\n');

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
