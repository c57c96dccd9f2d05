// `lab pack`: one archive with everything a laptop needs to bring the lab up
// without any registry, for a room whose Wi-Fi cannot carry thirty installs:
//   anycast-lab/                     the project (tracked and untracked files, not ignored ones)
//   anycast-lab-pack/manifest.json   what is inside (PackManifest)
//   anycast-lab-pack/images.tar.gz   `docker save` of the router and client images, gzip (docker load reads it as is)
//   anycast-lab-pack/npm-cache.tar   an npm cache holding every tarball of package-lock.json
// scripts/prepare-host.sh --from <archive> installs from it.
//
// Why an npm cache and not a packed node_modules: `npm ci --offline --cache`
// checks each tarball against the lockfile's integrity hash and runs the
// packages' install scripts on the target, so bin links and native parts
// (esbuild, biome, swc) are set up by npm as on any install; a copied
// node_modules carries absolute-path leftovers and cannot be verified. The
// cache is filled by a real `npm ci` into a scratch directory, so it holds
// exactly the packages npm installs for this platform (the tarballs are
// compressed already: the cache tar is not gzipped again).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { LabError } from '../errors.js';
import { ensureImages } from '../runtime/ensure-images.js';
import { CURRENT_TAG, IMAGE_KINDS, type ImageKind, imageRef } from '../runtime/image-specs.js';
import { imageRefs, type PackedImages } from '../runtime/image-store.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Progress } from './progress.js';

export const PACK_FORMAT = 1;
/** The archive's two top-level directories; prepare-host.sh knows them by these names. */
export const PROJECT_DIR = 'anycast-lab';
export const PAYLOAD_DIR = 'anycast-lab-pack';
/** The name prepare-host.sh looks for beside the project when no --from is given. */
export const DEFAULT_PACK_NAME = 'anycast-lab-pack.tar';

export interface PackManifest extends PackedImages {
  format: number;
  createdAt: string;
  /** `process.platform-process.arch` of the packing host: the images and native npm parts are for it only. */
  platform: string;
  /** The git commit the project files came from, and whether the tree had changes on top. */
  project: { commit: string | null; dirty: boolean; files: number };
  /**
   * `registry`: the one the cache was filled from. The lockfile has no `resolved`
   * URLs, so npm looks packuments up in the cache by registry URL: the target's
   * `npm ci --offline` must name the same registry, whatever its npmrc says.
   */
  npm: { packages: number; registry: string };
}

export interface PackOptions {
  out: string;
  /** The project to pack (REPO_ROOT). */
  projectRoot: string;
  progress: Progress;
  signal?: AbortSignal;
}

export interface PackResult {
  out: string;
  bytes: number;
  /** Bytes of each part inside the archive. */
  parts: { images: number; npmCache: number; project: number };
  /** Wall time of each step. */
  ms: { images: number; npm: number; project: number; archive: number; total: number };
  manifest: PackManifest;
}

/** Images → npm cache → project → manifest → one tar; the scratch directory goes in every case. */
export async function labPack(rt: ContainerRuntime, opts: PackOptions): Promise<PackResult> {
  const t0 = performance.now();
  const out = resolve(opts.out);
  const { progress, signal } = opts;
  await mkdir(dirname(out), { recursive: true });
  // Beside the output: the same file system, and /tmp may be a small tmpfs.
  const scratch = await mkdtemp(join(dirname(out), '.anycast-lab-pack-'));
  try {
    const payload = join(scratch, PAYLOAD_DIR);
    await mkdir(payload);
    const ms = { images: 0, npm: 0, project: 0, archive: 0, total: 0 };
    let t = performance.now();
    const images = await saveImages(rt, join(payload, 'images.tar.gz'), progress, signal);
    ms.images = since(t);
    t = performance.now();
    const npm = await fillNpmCache(opts.projectRoot, scratch, join(payload, 'npm-cache.tar'), progress, signal);
    ms.npm = since(t);
    t = performance.now();
    const project = await copyProject(opts.projectRoot, join(scratch, PROJECT_DIR), progress, signal);
    ms.project = since(t);
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      createdAt: new Date().toISOString(),
      platform: `${process.platform}-${process.arch}`,
      ...images,
      project,
      npm,
    };
    await writeFile(join(payload, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    t = performance.now();
    progress.step('pack', 'archive', out);
    await run('tar', ['-cf', out, '-C', scratch, PROJECT_DIR, PAYLOAD_DIR], { signal });
    ms.archive = since(t);
    const parts = {
      images: await size(join(payload, 'images.tar.gz')),
      npmCache: await size(join(payload, 'npm-cache.tar')),
      project: await size(join(scratch, 'project.tar')),
    };
    ms.total = since(t0);
    return { out, bytes: await size(out), parts, ms, manifest };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The images `up` would use (built first when missing), saved with their hash and `:current` tags. */
async function saveImages(rt: ContainerRuntime, file: string, progress: Progress, signal?: AbortSignal): Promise<PackedImages> {
  await ensureImages(rt, { signal, onProgress: (ev) => progress.step(ev.image, ev.step, ev.detail) });
  const refs = await imageRefs();
  const tags = IMAGE_KINDS.flatMap((k) => [imageRef(k, refs.hashes[k]), imageRef(k, CURRENT_TAG)]);
  progress.step('pack', 'images', `docker save ${tags.join(' ')} | gzip`);
  try {
    await pipeline(await rt.saveImages(tags, signal), createGzip({ level: 6 }), createWriteStream(file), { signal });
  } catch (err) {
    throw new LabError('PACK', `could not save the images ${tags.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  const images = Object.fromEntries(IMAGE_KINDS.map((k) => [k, { ref: imageRef(k, refs.hashes[k]), hash: refs.hashes[k] }])) as Record<
    ImageKind,
    { ref: string; hash: string }
  >;
  return { builder: refs.builder, node: refs.node, images };
}

/**
 * `npm ci` into a scratch copy of package.json + package-lock.json with a
 * fresh cache: what npm downloads for this platform is exactly what the
 * target's `npm ci --offline` asks for. --ignore-scripts: nothing needs to
 * run here, the target runs the install scripts.
 */
async function fillNpmCache(projectRoot: string, scratch: string, file: string, progress: Progress, signal?: AbortSignal): Promise<PackManifest['npm']> {
  const work = join(scratch, 'npm-work');
  const cache = join(scratch, 'npm-cache');
  await mkdir(work);
  for (const f of ['package.json', 'package-lock.json']) {
    if (!existsSync(join(projectRoot, f))) throw new LabError('PACK', `${join(projectRoot, f)} is missing: the npm cache is filled from the lockfile`);
    await copyFile(join(projectRoot, f), join(work, f));
  }
  const lock = JSON.parse(await readFile(join(work, 'package-lock.json'), 'utf8')) as { packages?: Record<string, unknown> };
  const packages = Object.keys(lock.packages ?? {}).filter((k) => k !== '').length;
  progress.step('pack', 'npm', `npm ci --cache into a scratch directory (${packages} lockfile entries; uses the registry)`);
  await run('npm', ['ci', '--cache', cache, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, signal });
  await run('tar', ['-cf', file, '-C', scratch, 'npm-cache'], { signal });
  const registry = (await run('npm', ['config', 'get', 'registry'], { cwd: work, signal })).trim();
  return { packages, registry };
}

/**
 * The working tree as git sees it (tracked and untracked files, not ignored
 * ones: no node_modules, dist, out, rendered configs), so what the trainer
 * tested is what the room gets, uncommitted edits included.
 */
async function copyProject(projectRoot: string, dest: string, progress: Progress, signal?: AbortSignal): Promise<PackManifest['project']> {
  const git = (args: string[]) => run('git', ['-C', projectRoot, ...args], { signal });
  let files: string[];
  try {
    files = (await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])).split('\0').filter((f) => f !== '');
  } catch (err) {
    throw new LabError('PACK', `${projectRoot} is not a git checkout (git ls-files failed): pack from a clone of the project`, { cause: err });
  }
  // A tracked file deleted in the working tree is listed but absent; a node_modules
  // that is a symlink (a worktree sharing one) is not matched by `node_modules/` in .gitignore.
  files = files.filter((f) => existsSync(join(projectRoot, f)) && !NEVER_PACKED.test(f));
  const commit = (await git(['rev-parse', 'HEAD']).catch(() => '')).trim() || null;
  const dirty = (await git(['status', '--porcelain']).catch(() => '')).trim() !== '';
  progress.step('pack', 'project', `${files.length} files${commit ? ` at ${commit.slice(0, 12)}${dirty ? ' + local changes' : ''}` : ''}`);
  await mkdir(dest);
  const tarFile = join(dirname(dest), 'project.tar');
  await run('tar', ['-cf', tarFile, '--null', '-T', '-'], { input: files.join('\0'), cwd: projectRoot, signal });
  await run('tar', ['-xf', tarFile, '-C', dest], { signal });
  return { commit, dirty, files: files.length };
}

/** Built or installed on the target, whatever the ignore files say. */
const NEVER_PACKED = /^(node_modules|dist|out|\.cache)(\/|$)/;

const since = (t: number) => Math.round(performance.now() - t);
const size = async (f: string) => (await stat(f)).size;

/** Runs a host tool to completion; its stdout, or a PACK error with the end of its stderr. */
function run(cmd: string, args: string[], o: { cwd?: string; input?: string; signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: o.cwd, signal: o.signal, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b) => (stdout += b));
    child.stderr?.on('data', (b) => (stderr = (stderr + b).slice(-2000)));
    if (o.input !== undefined) child.stdin?.end(o.input);
    child.on('error', (err) => rej(new LabError('PACK', `${cmd}: ${err.message}`, { cause: err })));
    child.on('close', (code) =>
      code === 0 ? res(stdout) : rej(new LabError('PACK', `${cmd} ${args.slice(0, 3).join(' ')} … exited ${code}: ${stderr.trim()}`)),
    );
  });
}
