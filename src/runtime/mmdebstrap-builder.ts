// The default builder, offline: mmdebstrap assembles a bookworm rootfs from
// the host's apt sources and the runtime imports the tar as an image. The
// host's own node binary is copied in because dns2 needs Node >= 20 and
// bookworm ships 18. A killed root-mode mmdebstrap leaves mounts behind; they
// are undone here, before its work directory is removed.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuildError, throwIfAborted } from './image-build-error.js';
import { type ImageBuildStrategy, secs } from './image-builder.js';
import { IMAGE_SPECS, type ImageKind, imageRepo, importChanges, mmdebstrapArgs, pickSourcesFiles, SUITE } from './image-specs.js';
import { findTarEntry, readTarEntry, writeTarEntry } from './image-tar.js';
import { ROOTFS_PATCHES, type RootfsPatchResult } from './rootfs-patches.js';

export const mmdebstrapBuilder: ImageBuildStrategy = {
  name: 'mmdebstrap',
  async build(rt, { kind, hash, ref, progress, signal }) {
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
      progress('mmdebstrap', 'usually ~20 s');
      await runMmdebstrap(kind, args, dir, signal);
      progress('mmdebstrap', `finished in ${secs(t0)}`);
      throwIfAborted(signal, kind);

      const labels = await applyPatches(kind, tarPath, progress);

      t0 = performance.now();
      progress('import');
      try {
        await rt.importImage(createReadStream(tarPath), { repo: imageRepo(kind), tag: hash, changes: importChanges(kind, hash, labels) }, signal);
      } catch (cause) {
        throw new ImageBuildError('IMPORT_FAILED', `docker import of ${tarPath} failed: ${(cause as Error).message}`, { image: kind, cause });
      }
      if (!(await rt.inspectImage(ref))) {
        throw new ImageBuildError('IMPORT_FAILED', `docker import reported success but ${ref} does not exist`, { image: kind });
      }
      progress('import', `finished in ${secs(t0)}`);
    } finally {
      await cleanupWorkDir(dir);
    }
  },
};

/**
 * The spec's patches (rootfs-patches.ts), made in the tar; returns the labels
 * that record them. A patch that does not apply leaves its file as Debian
 * built it and says why.
 */
async function applyPatches(kind: ImageKind, tarPath: string, progress: (step: string, detail?: string) => void): Promise<Record<string, string>> {
  const labels: Record<string, string> = {};
  for (const id of IMAGE_SPECS[kind].patches ?? []) {
    const patch = ROOTFS_PATCHES[id];
    const entry = await findTarEntry(tarPath, patch.path);
    const result: RootfsPatchResult = entry ? patch.apply(await readTarEntry(tarPath, entry)) : { ok: false, reason: `no ${patch.path} in the rootfs` };
    if (entry && result.ok) {
      await writeTarEntry(tarPath, entry, result.bytes);
      progress('patch', result.done);
    } else if (!result.ok) {
      progress('patch', `${patch.withoutIt}: ${result.reason}`);
    }
    labels[patch.label] = result.ok ? patch.applied : 'stock';
  }
  return labels;
}

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
        reject(
          new ImageBuildError(
            'MMDEBSTRAP_MISSING',
            'mmdebstrap is not installed; run scripts/prepare-host.sh or `apt-get install mmdebstrap` (or set ANYCAST_LAB_IMAGE_BUILDER=dockerfile on a host that can pull debian:bookworm-slim)',
            { image: kind, cause: err },
          ),
        );
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
      reject(
        new ImageBuildError(
          'MMDEBSTRAP_FAILED',
          `mmdebstrap ${why}; it needs root (or unprivileged user namespaces) and working apt sources for ${SUITE}. Last output:\n${[...tail, partial].join('\n').trim()}`,
          { image: kind },
        ),
      );
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
    await new Promise<void>((resolve) =>
      spawn('umount', ['-l', m], { stdio: 'ignore' })
        .on('close', () => resolve())
        .on('error', () => resolve()),
    );
  }
  const left = await mountsUnder(dir);
  if (left.length) {
    throw new ImageBuildError('MMDEBSTRAP_FAILED', `could not unmount ${left.join(', ')}; unmount them and remove ${dir} by hand`);
  }
  await rm(dir, { recursive: true, force: true });
}
