// ANYCAST_LAB_IMAGE_BUILDER=dockerfile: `docker build` of images/<kind>.Dockerfile,
// for hosts that can pull debian:bookworm-slim.
//
// Untested here (no registry reachable); differs from the mmdebstrap image in
// that node comes from the distro (18), so the dns2 agent will not run on it
// unless a Node 20 package source is added to the Dockerfile.
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { ImageBuildError } from './image-build-error.js';
import { type ImageBuildStrategy, secs } from './image-builder.js';
import { imageLabels } from './image-specs.js';

// From the repository root, not import.meta.url: this module also runs from the CLI bundle under dist/.
const IMAGES_DIR = join(REPO_ROOT, 'images');

export const dockerfileBuilder: ImageBuildStrategy = {
  name: 'dockerfile',
  async build(rt, { kind, hash, ref, progress, signal }) {
    const t0 = performance.now();
    const dockerfile = `${kind}.Dockerfile`;
    progress('docker-build', join(IMAGES_DIR, dockerfile));
    try {
      await rt.buildImage({ contextDir: IMAGES_DIR, files: [dockerfile], dockerfile, ref, labels: imageLabels(kind, hash) }, signal);
    } catch (cause) {
      throw new ImageBuildError(
        'DOCKERFILE_BUILD_FAILED',
        `docker build of ${dockerfile} failed (needs a registry serving debian:bookworm-slim; the default builder is mmdebstrap): ${(cause as Error).message}`,
        { image: kind, cause },
      );
    }
    progress('docker-build', `finished in ${secs(t0)}`);
  },
};
