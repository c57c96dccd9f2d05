// One interface for every way of building an image. ensure-images.ts decides
// whether to build; a builder only builds `ref` and leaves it in the engine.
import type { ImageBuilder, ImageKind } from './image-specs.js';
import type { ContainerRuntime } from './runtime.js';

export interface ImageProgress {
  image: ImageKind;
  /** check | cached | wait-lock | mmdebstrap | patch | import | docker-build | tag | done */
  step: string;
  detail?: string;
}

export interface BuildRequest {
  kind: ImageKind;
  /** Content hash: the tag of `ref`. */
  hash: string;
  ref: string;
  progress: (step: string, detail?: string) => void;
  /** Aborted when the sibling build failed or the user pressed Ctrl-C. */
  signal?: AbortSignal;
}

export interface ImageBuildStrategy {
  readonly name: ImageBuilder;
  /** Throws ImageBuildError naming the image and the step. */
  build(rt: ContainerRuntime, req: BuildRequest): Promise<void>;
}

export const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
