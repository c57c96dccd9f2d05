// Builds the lab's router and client images offline and tags them by content.
//
// No registry is assumed: mmdebstrap assembles a bookworm rootfs from the
// host's apt sources and `docker import` turns the tar into an image. The
// host's own node binary is copied in because dns2 needs Node >= 20 and
// bookworm ships 18. The Dockerfile path (ANYCAST_LAB_IMAGE_BUILDER=dockerfile)
// is for hosts that can pull debian:bookworm-slim.

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, readFile, realpath, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { LabError } from '../errors.js';
import {
  CURRENT_TAG,
  IMAGE_KINDS,
  IMAGE_SPECS,
  RECIPE_VERSION,
  SUITE,
  imageHash,
  imageLabels,
  imageRef,
  imageRepo,
  importChanges,
  mmdebstrapArgs,
  parseBuilder,
  pickSourcesFiles,
  type ImageBuilder,
  type ImageKind,
} from './image-specs.js';

export type { ImageKind, ImageBuilder } from './image-specs.js';

export type ImageBuildErrorCode =
  | 'NODE_TOO_OLD'
  | 'MMDEBSTRAP_MISSING'
  | 'MMDEBSTRAP_FAILED'
  | 'IMPORT_FAILED'
  | 'DOCKERFILE_BUILD_FAILED'
  | 'DOCKER_UNREACHABLE'
  | 'LOCK_TIMEOUT'
  | 'BAD_OPTION'
  | 'ABORTED';

export class ImageBuildError extends LabError {
  override name = 'ImageBuildError';
  /** Why the build failed; `code` is the LabError family's IMAGE_BUILD. */
  readonly reason: ImageBuildErrorCode;
  readonly image?: ImageKind;
  constructor(reason: ImageBuildErrorCode, message: string, opts: { image?: ImageKind; cause?: unknown } = {}) {
    super('IMAGE_BUILD', opts.image ? `image "${opts.image}": ${message}` : message, { cause: opts.cause });
    this.reason = reason;
    this.image = opts.image;
  }
}

export interface ImageProgress {
  image: ImageKind;
  /** check | cached | wait-lock | mmdebstrap | import | docker-build | tag | done */
  step: string;
  detail?: string;
}

export interface ImageOptions {
  /** Defaults to ANYCAST_LAB_IMAGE_BUILDER, then mmdebstrap. */
  builder?: ImageBuilder;
}

export interface EnsureImagesOptions extends ImageOptions {
  onProgress?: (ev: ImageProgress) => void;
  signal?: AbortSignal;
}

export interface ImageRefs {
  router: string;
  client: string;
  hashes: Record<ImageKind, string>;
  builder: ImageBuilder;
}

/** The one place the builder env var is read. */
export function builderFromEnv(env: NodeJS.ProcessEnv = process.env): ImageBuilder {
  try {
    return parseBuilder(env.ANYCAST_LAB_IMAGE_BUILDER);
  } catch (err) {
    throw new ImageBuildError('BAD_OPTION', (err as Error).message);
  }
}

/** Content-derived refs (`anycast-lab/router:<hash>`) without touching Docker. */
export async function imageRefs(opts: ImageOptions = {}): Promise<ImageRefs> {
  const builder = opts.builder ?? builderFromEnv();
  const nodeSize = (await stat(await realpath(process.execPath))).size;
  const hashes = {} as Record<ImageKind, string>;
  for (const kind of IMAGE_KINDS) {
    hashes[kind] = imageHash({
      kind,
      packages: IMAGE_SPECS[kind].packages,
      recipeVersion: RECIPE_VERSION,
      builder,
      suite: SUITE,
      nodeVersion: process.version,
      nodeSize,
    });
  }
  return { router: imageRef('router', hashes.router), client: imageRef('client', hashes.client), hashes, builder };
}

/**
 * Makes sure both images exist, building only those whose hash tag is missing,
 * and points `:current` at them. Both builds run concurrently; a lock file per
 * image keeps two processes (e.g. two test runs) from building the same one.
 */
export async function ensureImages(
  docker: Dockerode,
  opts: EnsureImagesOptions = {},
): Promise<{ router: string; client: string; built: ImageKind[] }> {
  const major = Number(process.version.slice(1).split('.')[0]);
  if (major < 20) {
    throw new ImageBuildError('NODE_TOO_OLD', `node ${process.version} would be copied into the images, but dns2 needs >= 20; run the lab with Node 20+`);
  }
  const refs = await imageRefs(opts);
  try {
    await docker.ping();
  } catch (cause) {
    throw new ImageBuildError('DOCKER_UNREACHABLE', 'cannot reach the Docker engine; run scripts/prepare-host.sh (it starts dockerd) or check DOCKER_HOST', { cause });
  }
  const progress = opts.onProgress ?? (() => {});
  // One failed build stops the other, and we return only after both have
  // cleaned up (a killed mmdebstrap leaves mounts behind until we unmount them).
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const settled = await Promise.allSettled(
    IMAGE_KINDS.map((kind) =>
      ensureOne(docker, kind, refs.hashes[kind], refs.builder, progress, signal).catch((err: unknown) => {
        stop.abort(err);
        throw err;
      }),
    ),
  );
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failures.length) {
    // Report the root cause, not the sibling we aborted because of it.
    throw failures.find((e) => !(e instanceof ImageBuildError && e.reason === 'ABORTED' && !opts.signal?.aborted)) ?? failures[0];
  }
  const built = IMAGE_KINDS.filter((_, i) => (settled[i] as PromiseFulfilledResult<boolean>).value);
  return { router: refs.router, client: refs.client, built };
}

async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Returns true when it built the image. */
async function ensureOne(
  docker: Dockerode,
  kind: ImageKind,
  hash: string,
  builder: ImageBuilder,
  progress: (ev: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const ref = imageRef(kind, hash);
  progress({ image: kind, step: 'check', detail: ref });
  if (await imageExists(docker, ref)) {
    await tagCurrent(docker, kind, ref);
    progress({ image: kind, step: 'cached', detail: ref });
    return false;
  }
  const release = await acquireBuildLock(docker, kind, hash, ref, progress, signal);
  if (!release) {
    // Another process built it while we waited.
    await tagCurrent(docker, kind, ref);
    progress({ image: kind, step: 'cached', detail: ref });
    return false;
  }
  try {
    const t0 = performance.now();
    if (builder === 'mmdebstrap') await buildWithMmdebstrap(docker, kind, hash, progress, signal);
    else await buildWithDockerfile(docker, kind, hash, progress, signal);
    await tagCurrent(docker, kind, ref);
    progress({ image: kind, step: 'done', detail: `${ref} in ${secs(t0)}` });
    return true;
  } finally {
    await release();
  }
}

async function tagCurrent(docker: Dockerode, kind: ImageKind, ref: string): Promise<void> {
  await docker.getImage(ref).tag({ repo: imageRepo(kind), tag: CURRENT_TAG });
}

const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function throwIfAborted(signal: AbortSignal | undefined, kind: ImageKind): void {
  if (signal?.aborted) throw new ImageBuildError('ABORTED', 'build aborted', { image: kind, cause: signal.reason });
}

// --- lock -------------------------------------------------------------------

// A cold build takes ~20-40 s; a waiter gives up well after any sane build.
const LOCK_DEADLINE_MS = 15 * 60_000;
const LOCK_POLL_MS = 1_000;

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Returns a release function, or null when another process finished building
 * `ref` while we waited. A lock whose pid is dead (killed build) is taken over.
 */
async function acquireBuildLock(
  docker: Dockerode,
  kind: ImageKind,
  hash: string,
  ref: string,
  progress: (ev: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<(() => Promise<void>) | null> {
  const path = join(tmpdir(), `anycast-lab-image-${kind}-${hash}.lock`);
  const deadline = performance.now() + LOCK_DEADLINE_MS;
  let announced = false;
  for (;;) {
    throwIfAborted(signal, kind);
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => unlink(path).catch(() => {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!pidAlive(owner)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (!announced) {
      progress({ image: kind, step: 'wait-lock', detail: `pid ${owner} is building ${ref}` });
      announced = true;
    }
    if (performance.now() > deadline) {
      throw new ImageBuildError('LOCK_TIMEOUT', `pid ${owner} has held ${path} for over ${LOCK_DEADLINE_MS / 60_000} min; kill it or remove the file`, { image: kind });
    }
    await delay(LOCK_POLL_MS, undefined, { signal }).catch(() => {});
    if (await imageExists(docker, ref)) return null;
  }
}

// --- mmdebstrap ---------------------------------------------------------------

async function hostSourcesFiles(): Promise<string[]> {
  const candidates: { path: string; content: string }[] = [];
  const dir = '/etc/apt/sources.list.d';
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const p of ['/etc/apt/sources.list', ...names.map((n) => join(dir, n))]) {
    const content = await readFile(p, 'utf8').catch(() => null);
    if (content !== null) candidates.push({ path: p, content });
  }
  return pickSourcesFiles(candidates);
}

async function buildWithMmdebstrap(
  docker: Dockerode,
  kind: ImageKind,
  hash: string,
  progress: (ev: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `anycast-lab-${kind}-`));
  const tarPath = join(dir, 'rootfs.tar');
  try {
    const args = mmdebstrapArgs({
      spec: IMAGE_SPECS[kind],
      nodePath: await realpath(process.execPath),
      tarPath,
      sourcesFiles: await hostSourcesFiles(),
    });
    let t0 = performance.now();
    progress({ image: kind, step: 'mmdebstrap', detail: 'usually ~20 s' });
    await runMmdebstrap(kind, args, dir, signal);
    progress({ image: kind, step: 'mmdebstrap', detail: `finished in ${secs(t0)}` });
    throwIfAborted(signal, kind);

    t0 = performance.now();
    progress({ image: kind, step: 'import' });
    const ref = imageRef(kind, hash);
    try {
      const stream = await docker.importImage(createReadStream(tarPath), {
        repo: imageRepo(kind),
        tag: hash,
        changes: importChanges(kind, hash),
        abortSignal: signal,
      } as object);
      await followAndCheck(docker, stream);
    } catch (cause) {
      throw new ImageBuildError('IMPORT_FAILED', `docker import of ${tarPath} failed: ${(cause as Error).message}`, { image: kind, cause });
    }
    if (!(await imageExists(docker, ref))) {
      throw new ImageBuildError('IMPORT_FAILED', `docker import reported success but ${ref} does not exist`, { image: kind });
    }
    progress({ image: kind, step: 'import', detail: `finished in ${secs(t0)}` });
  } finally {
    await cleanupWorkDir(dir);
  }
}

// SIGTERM first so mmdebstrap can unwind; a build that ignores it is gone after this.
const MMDEBSTRAP_KILL_GRACE_MS = 10_000;

function runMmdebstrap(kind: ImageKind, args: string[], workDir: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // mmdebstrap logs to stderr; keep the tail for the error message.
    const tail: string[] = [];
    // TMPDIR inside our work dir: a killed mmdebstrap leaves its chroot (and,
    // in root mode, /proc /sys /dev mounts) there, and cleanupWorkDir removes it.
    // Own process group: on abort the apt/dpkg children must die too, or they
    // hold stderr open and keep writing into the chroot we are removing.
    const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: workDir }, detached: true });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), MMDEBSTRAP_KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
    };
    child.stderr.setEncoding('utf8');
    let partial = '';
    child.stderr.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines);
      if (tail.length > 30) tail.splice(0, tail.length - 30);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      if (err.code === 'ENOENT') {
        reject(new ImageBuildError('MMDEBSTRAP_MISSING', 'mmdebstrap is not installed; run scripts/prepare-host.sh or `apt-get install mmdebstrap` (or set ANYCAST_LAB_IMAGE_BUILDER=dockerfile on a host that can pull debian:bookworm-slim)', { image: kind, cause: err }));
      } else {
        reject(new ImageBuildError('MMDEBSTRAP_FAILED', `could not run mmdebstrap: ${err.message}`, { image: kind, cause: err }));
      }
    });
    // 'close' waits for the process to exit, so cleanup never races a live build.
    child.on('close', (code, sig) => {
      done();
      if (code === 0) return resolve();
      if (signal?.aborted) return reject(new ImageBuildError('ABORTED', 'mmdebstrap aborted', { image: kind, cause: signal.reason }));
      const why = sig ? `killed by ${sig}` : `exit code ${code}`;
      reject(new ImageBuildError('MMDEBSTRAP_FAILED', `mmdebstrap ${why}; it needs root (or unprivileged user namespaces) and working apt sources for ${SUITE}. Last output:\n${[...tail, partial].join('\n').trim()}`, { image: kind }));
    });
  });
}

async function mountsUnder(dir: string): Promise<string[]> {
  const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
  return mounts
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts anything a killed root-mode mmdebstrap left mounted under `dir`,
 * then removes it. A recursive rm would follow a leftover bind mount into the
 * host's tree, so if anything stays mounted the directory is left in place.
 */
async function cleanupWorkDir(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) {
    await new Promise<void>((resolve) => spawn('umount', ['-l', m], { stdio: 'ignore' }).on('close', () => resolve()).on('error', () => resolve()));
  }
  const left = await mountsUnder(dir);
  if (left.length) {
    throw new ImageBuildError('MMDEBSTRAP_FAILED', `could not unmount ${left.join(', ')}; unmount them and remove ${dir} by hand`);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Docker reports build/import errors inside a 200 response's JSON stream. */
function followAndCheck(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => {
      if (err) return reject(err);
      const failed = (output as { error?: string; errorDetail?: { message?: string } }[]).find((o) => o.error || o.errorDetail);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
      resolve(output);
    });
  });
}

// --- Dockerfile -----------------------------------------------------------------

const IMAGES_DIR = fileURLToPath(new URL('../../images/', import.meta.url));

// Untested here (no registry reachable); differs from the mmdebstrap image in
// that node comes from the distro (18), so the dns2 agent will not run on it
// unless a Node 20 package source is added to the Dockerfile.
async function buildWithDockerfile(
  docker: Dockerode,
  kind: ImageKind,
  hash: string,
  progress: (ev: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const t0 = performance.now();
  const dockerfile = `${kind}.Dockerfile`;
  progress({ image: kind, step: 'docker-build', detail: join(IMAGES_DIR, dockerfile) });
  try {
    const stream = await docker.buildImage(
      { context: IMAGES_DIR, src: [dockerfile] },
      { t: imageRef(kind, hash), dockerfile, labels: imageLabels(kind, hash), abortSignal: signal } as Dockerode.ImageBuildOptions,
    );
    await followAndCheck(docker, stream);
  } catch (cause) {
    throw new ImageBuildError('DOCKERFILE_BUILD_FAILED', `docker build of ${dockerfile} failed (needs a registry serving debian:bookworm-slim; the default builder is mmdebstrap): ${(cause as Error).message}`, { image: kind, cause });
  }
  progress({ image: kind, step: 'docker-build', detail: `finished in ${secs(t0)}` });
}

// --- running a command in an image ---------------------------------------------------

export interface RunInImageOptions {
  capAdd?: string[];
  /** Default 60 s; the container is killed after it. */
  timeoutMs?: number;
  signal?: AbortSignal;
  labels?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one short-lived helper container (no network, auto-removed, labelled
 * `anycast-lab.kind=helper`) and returns its exit code and output.
 */
export async function runInImage(docker: Dockerode, ref: string, cmd: string[], opts: RunInImageOptions = {}): Promise<RunResult> {
  const container = await docker.createContainer({
    Image: ref,
    Cmd: cmd,
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { 'anycast-lab.kind': 'helper', ...opts.labels },
    HostConfig: { AutoRemove: true, NetworkMode: 'none', CapAdd: opts.capAdd ?? [] },
  });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (b: Buffer) => chunks.out.push(b));
  err.on('data', (b: Buffer) => chunks.err.push(b));
  let started = false;
  try {
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    docker.modem.demuxStream(attached, out, err);
    const ended = new Promise<void>((resolve) => {
      attached.on('end', resolve);
      attached.on('close', resolve);
    });
    // Ask for the exit code before starting: with AutoRemove the container may be gone before a later wait.
    const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    started = true;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = AbortSignal.timeout(timeoutMs);
    const limit = opts.signal ? AbortSignal.any([timer, opts.signal]) : timer;
    const aborted = new Promise<never>((_, reject) =>
      limit.addEventListener('abort', () => reject(new Error(`helper container in ${ref} did not exit within ${timeoutMs} ms`)), { once: true }),
    );
    const res = await Promise.race([waited, aborted]);
    await Promise.race([ended, delay(2_000)]);
    return { exitCode: res.StatusCode, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8') };
  } catch (e) {
    // AutoRemove only fires after an exit; kill or remove whatever is left.
    await (started ? container.kill() : container.remove({ force: true })).catch(() => {});
    throw e;
  }
}
