// The Docker-in-Docker node image (IMAGE_SPECS.dind), built like the lab's
// own images: mmdebstrap + import, a content-hash tag, one build at a time.
// Only tests and benches of a lab spread over hosts need it, so `up` never builds it.
import { acquireBuildLock } from '../build-lock.js';
import type { ImageProgress } from '../image-builder.js';
import { imageRef, specHash } from '../image-specs.js';
import { imageExists, imageRefs, tagCurrent } from '../image-store.js';
import { mmdebstrapBuilder } from '../mmdebstrap-builder.js';
import type { ContainerRuntime } from '../runtime.js';

/** Returns the image's ref, building it when its hash tag is missing. */
export async function ensureDindImage(rt: ContainerRuntime, onProgress: (ev: ImageProgress) => void = () => {}, signal?: AbortSignal): Promise<string> {
  // The same node binary as the lab's images, so a host with them cached computes the same inputs.
  const { node } = await imageRefs({ builder: 'mmdebstrap' });
  const hash = specHash('dind', 'mmdebstrap', node);
  const ref = imageRef('dind', hash);
  const step = (s: string, detail?: string) => onProgress({ image: 'dind', step: s, detail });
  if (await imageExists(rt, ref)) return ref;
  const release = await acquireBuildLock({ kind: 'dind', hash, built: () => imageExists(rt, ref), onWait: (pid) => step('wait-lock', `pid ${pid}`), signal });
  if (!release) return ref;
  try {
    await mmdebstrapBuilder.build(rt, { kind: 'dind', hash, ref, progress: step, signal });
    await tagCurrent(rt, 'dind', ref);
    return ref;
  } finally {
    release();
  }
}
