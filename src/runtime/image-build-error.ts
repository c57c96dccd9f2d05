// Why an image could not be built. A LabError (code IMAGE_BUILD), so the CLI
// prints the message and what to do, never a stack trace; `reason` says which
// step failed for code that must tell them apart.
import { LabError } from '../errors.js';
import type { ImageKind } from './image-specs.js';

export type ImageBuildReason =
  | 'NODE_TOO_OLD'
  | 'MMDEBSTRAP_MISSING'
  | 'MMDEBSTRAP_FAILED'
  | 'IMPORT_FAILED'
  | 'DOCKERFILE_BUILD_FAILED'
  | 'LOCK_TIMEOUT'
  | 'BAD_OPTION'
  | 'ABORTED';

export class ImageBuildError extends LabError {
  readonly reason: ImageBuildReason;
  readonly image?: ImageKind;
  constructor(reason: ImageBuildReason, message: string, opts: { image?: ImageKind; cause?: unknown } = {}) {
    super(reason === 'BAD_OPTION' ? 'USAGE' : 'IMAGE_BUILD', opts.image ? `image "${opts.image}": ${message}` : message, { cause: opts.cause });
    this.name = 'ImageBuildError';
    this.reason = reason;
    this.image = opts.image;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, image: ImageKind): void {
  if (signal?.aborted) throw new ImageBuildError('ABORTED', 'build aborted', { image, cause: signal.reason });
}
