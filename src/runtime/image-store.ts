// Where the lab's images are and what they are called: content-derived refs
// (`anycast-lab/router:<hash>`), the floating `:current` tag Compose uses, and
// lookups through the runtime. Nothing here builds.
import { realpath, stat } from 'node:fs/promises';
import { ImageBuildError } from './image-build-error.js';
import {
  CURRENT_TAG,
  IMAGE_KINDS,
  IMAGE_SPECS,
  type ImageBuilder,
  type ImageKind,
  imageHash,
  imageRef,
  imageRepo,
  parseBuilder,
  RECIPE_VERSION,
  SUITE,
} from './image-specs.js';
import type { ContainerRuntime } from './runtime.js';

export interface ImageOptions {
  /** Defaults to ANYCAST_LAB_IMAGE_BUILDER, then mmdebstrap. */
  builder?: ImageBuilder;
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

/** Content-derived refs without touching the engine. */
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

export const imageExists = async (rt: ContainerRuntime, ref: string): Promise<boolean> => (await rt.inspectImage(ref)) !== undefined;

/** Points `:current` (what docker-compose.yml runs) at `ref`. */
export const tagCurrent = (rt: ContainerRuntime, kind: ImageKind, ref: string): Promise<void> => rt.tagImage(ref, imageRepo(kind), CURRENT_TAG);

/** Any router image will do for host-side helpers; `down` must work even when the current recipe's image is not built. */
export async function helperImage(rt: ContainerRuntime): Promise<string | undefined> {
  const tags = (await rt.listImages(imageRepo('router'))).flatMap((i) => i.tags);
  return tags.find((t) => t === imageRef('router', CURRENT_TAG)) ?? tags[0];
}
