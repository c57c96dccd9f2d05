// Makes sure the lab's router and client images exist, building only those
// whose content-hash tag is missing, through the runtime and the configured
// builder, and points `:current` at them.
import { acquireBuildLock } from './build-lock.js';
import { dockerfileBuilder } from './dockerfile-builder.js';
import { ImageBuildError } from './image-build-error.js';
import { type ImageBuildStrategy, type ImageProgress, secs } from './image-builder.js';
import { IMAGE_KINDS, type ImageBuilder, type ImageKind, imageRef } from './image-specs.js';
import { type ImageOptions, imageExists, imageRefs, tagCurrent } from './image-store.js';
import { mmdebstrapBuilder } from './mmdebstrap-builder.js';
import type { ContainerRuntime } from './runtime.js';

/** One line per strategy; the compiler flags a builder name without one. */
export const BUILDERS: Readonly<Record<ImageBuilder, ImageBuildStrategy>> = {
  mmdebstrap: mmdebstrapBuilder,
  dockerfile: dockerfileBuilder,
};

export interface EnsureImagesOptions extends ImageOptions {
  onProgress?: (ev: ImageProgress) => void;
  signal?: AbortSignal;
  /** Where the per-image build locks live (default: the OS temp dir). */
  lockDir?: string;
}

export interface EnsuredImages {
  router: string;
  client: string;
  built: ImageKind[];
}

/**
 * Both builds run concurrently; a lock file per image keeps two processes
 * (e.g. two test runs) from building the same one.
 */
export async function ensureImages(rt: ContainerRuntime, opts: EnsureImagesOptions = {}): Promise<EnsuredImages> {
  const major = Number(process.version.slice(1).split('.')[0]);
  if (major < 20) {
    throw new ImageBuildError('NODE_TOO_OLD', `node ${process.version} would be copied into the images, but dns2 needs >= 20; run the lab with Node 20+`);
  }
  const refs = await imageRefs(opts);
  await rt.ping();
  const builder = BUILDERS[refs.builder];
  const progress = opts.onProgress ?? (() => {});
  // One failed build stops the other, and we return only after both have
  // cleaned up (a killed mmdebstrap leaves mounts behind until we unmount them).
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const settled = await Promise.allSettled(
    IMAGE_KINDS.map((kind) =>
      ensureOne(rt, builder, kind, refs.hashes[kind], progress, signal, opts.lockDir).catch((err: unknown) => {
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

/** Returns true when it built the image. */
async function ensureOne(
  rt: ContainerRuntime,
  builder: ImageBuildStrategy,
  kind: ImageKind,
  hash: string,
  progress: (ev: ImageProgress) => void,
  signal: AbortSignal,
  lockDir?: string,
): Promise<boolean> {
  const ref = imageRef(kind, hash);
  const step = (s: string, detail?: string) => progress({ image: kind, step: s, detail });
  const cached = async () => {
    await tagCurrent(rt, kind, ref);
    step('cached', ref);
    return false;
  };
  step('check', ref);
  if (await imageExists(rt, ref)) return cached();
  const release = await acquireBuildLock({
    kind,
    hash,
    built: () => imageExists(rt, ref),
    onWait: (pid) => step('wait-lock', `pid ${pid} is building ${ref}`),
    signal,
    dir: lockDir,
  });
  // Another process built it while we waited.
  if (!release) return cached();
  try {
    const t0 = performance.now();
    await builder.build(rt, { kind, hash, ref, progress: step, signal });
    await tagCurrent(rt, kind, ref);
    step('done', `${ref} in ${secs(t0)}`);
    return true;
  } finally {
    release();
  }
}
