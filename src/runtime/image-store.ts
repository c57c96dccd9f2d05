// Where the lab's images are and what they are called: content-derived refs
// (`anycast-lab/router:<hash>`), the floating `:current` tag Compose uses, and
// lookups through the runtime. Nothing here builds.
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { ImageBuildError } from './image-build-error.js';
import { CURRENT_TAG, IMAGE_KINDS, type ImageBuilder, type ImageKind, imageRef, imageRepo, type LabImageKind, parseBuilder, specHash } from './image-specs.js';
import type { ContainerRuntime } from './runtime.js';

export interface ImageOptions {
  /** Defaults to ANYCAST_LAB_IMAGE_BUILDER, then mmdebstrap. */
  builder?: ImageBuilder;
  /** Where `prepare-host.sh --from` records images loaded from a pack (default: PACKED_IMAGES_FILE). */
  packedFile?: string;
}

/**
 * Images loaded from a `lab pack` archive (its manifest, copied here by
 * `prepare-host.sh --from`). They hold the packing host's node binary, so
 * their hash was computed with that binary's version and size, not this host's.
 */
export const PACKED_IMAGES_FILE = join(REPO_ROOT, '.cache', 'packed-images.json');

export interface ImageNode {
  version: string;
  size: number;
}

/** The part of a pack manifest that names its images. */
export interface PackedImages {
  builder: ImageBuilder;
  /** The node binary copied into the images. */
  node: ImageNode;
  images: Record<LabImageKind, { ref: string; hash: string }>;
}

export interface ImageRefs {
  router: string;
  client: string;
  hashes: Record<LabImageKind, string>;
  builder: ImageBuilder;
  /** The node binary the images hold: this host's, or a pack's (PACKED_IMAGES_FILE). */
  node: ImageNode;
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
  const hostNode = { version: process.version, size: (await stat(await realpath(process.execPath))).size };
  const packed = await readPackedImages(opts.packedFile ?? PACKED_IMAGES_FILE);
  const fromPack = packedHashes(builder, packed);
  const node = fromPack && packed ? packed.node : hostNode;
  const hashes = fromPack ?? hashesFor(builder, hostNode);
  return { router: imageRef('router', hashes.router), client: imageRef('client', hashes.client), hashes, builder, node };
}

function hashesFor(builder: ImageBuilder, node: ImageNode): Record<LabImageKind, string> {
  const hashes = {} as Record<LabImageKind, string>;
  for (const kind of IMAGE_KINDS) {
    hashes[kind] = specHash(kind, builder, node);
  }
  return hashes;
}

/**
 * The packed images' hashes when they are what this project's recipe would
 * build with the packing host's node: a laptop with another Node 20+ keeps
 * using them instead of rebuilding (which needs apt sources). A recipe changed
 * since the pack (other packages, RECIPE_VERSION) gives other hashes and falls
 * back to this host's node: a build, as without a pack.
 */
function packedHashes(builder: ImageBuilder, packed: PackedImages | undefined): Record<LabImageKind, string> | undefined {
  if (!packed || packed.builder !== builder) return undefined;
  const hashes = hashesFor(builder, packed.node);
  return IMAGE_KINDS.every((k) => hashes[k] === packed.images[k]?.hash) ? hashes : undefined;
}

async function readPackedImages(file: string): Promise<PackedImages | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PackedImages;
  } catch {
    // No pack installed (the usual case), or a file we cannot use: the host's own node decides.
    return undefined;
  }
}

export const imageExists = async (rt: ContainerRuntime, ref: string): Promise<boolean> => (await rt.inspectImage(ref)) !== undefined;

/** Points `:current` (what docker-compose.yml runs) at `ref`. */
export const tagCurrent = (rt: ContainerRuntime, kind: ImageKind, ref: string): Promise<void> => rt.tagImage(ref, imageRepo(kind), CURRENT_TAG);

/** Any router image will do for host-side helpers; `down` must work even when the current recipe's image is not built. */
export async function helperImage(rt: ContainerRuntime): Promise<string | undefined> {
  const tags = (await rt.listImages(imageRepo('router'))).flatMap((i) => i.tags);
  return tags.find((t) => t === imageRef('router', CURRENT_TAG)) ?? tags[0];
}
