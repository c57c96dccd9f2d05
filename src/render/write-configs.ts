// The only I/O in render/: lay the rendered files out as
// <rootDir>/<lab>/<node>/{frr.conf,daemons,vtysh.conf}, one directory per
// router, bind-mounted as the container's /etc/frr.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from '../topology/model.js';
import { observersOf } from '../topology/roles/observers.js';
import { RenderError } from './errors.js';
import { RENDERED_FILE_NAMES, type RenderedFiles, renderLab } from './frr-config.js';

/**
 * sha256 over the three files (name and content, fixed order), 12 hex digits.
 * `up` compares it with the container's label to decide whether to recreate.
 */
export function configHash(files: RenderedFiles): string {
  const h = createHash('sha256');
  for (const name of RENDERED_FILE_NAMES) h.update(`${name}\0${files[name]}\0`);
  return h.digest('hex').slice(0, 12);
}

// Lab and node names become path segments; refuse anything that could climb out.
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function assertSafe(what: string, name: string): void {
  if (!SAFE_SEGMENT.test(name) || name.includes('..')) {
    throw new RenderError('UNSAFE_NAME', `${what} name "${name}" cannot be used as a directory name (letters, digits, "_", "-", "." only)`);
  }
}

/**
 * Writes every router's files, removes directories of routers no longer in the
 * lab, and returns node -> configHash. Unchanged files are not rewritten, and
 * changed ones are replaced by rename so a starting FRR never reads half a file
 * (mount the node directory, not single files: a rename swaps the inode).
 */
export async function writeLabConfigs(lab: Lab, rootDir: string): Promise<Map<string, string>> {
  assertSafe('lab', lab.name);
  const labDir = join(rootDir, lab.name);
  const rendered = renderLab(lab);
  const hashes = new Map<string, string>();

  await mkdir(labDir, { recursive: true });
  for (const [node, files] of rendered) {
    assertSafe('node', node);
    const dir = join(labDir, node);
    await mkdir(dir, { recursive: true });
    for (const name of RENDERED_FILE_NAMES) await writeIfChanged(join(dir, name), files[name]);
    hashes.set(node, configHash(files));
  }
  // Each observer's config (the collector's gobgpd.toml), in a directory of its own (its container's configDir).
  const observers = observersOf(lab);
  for (const { spec, node } of observers) {
    assertSafe('node', node.name);
    const dir = join(labDir, node.name);
    const files = spec.render.files(lab);
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeIfChanged(join(dir, name), content);
    // The contents in order, names left out: with the collector's one file, the hash of that file as it always was.
    const h = createHash('sha256');
    for (const content of Object.values(files)) h.update(content);
    hashes.set(node.name, h.digest('hex').slice(0, 12));
  }
  await removeStaleNodeDirs(labDir, new Set([...rendered.keys(), ...observers.map((o) => o.node.name)]));
  return hashes;
}

async function writeIfChanged(path: string, content: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
}

/** Only directories that hold one of our files: anything else under the lab dir is not ours to delete. */
async function removeStaleNodeDirs(labDir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of await readdir(labDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || keep.has(entry.name)) continue;
    const dir = join(labDir, entry.name);
    const contents = await readdir(dir);
    if (contents.some((f) => (RENDERED_FILE_NAMES as readonly string[]).includes(f))) {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
