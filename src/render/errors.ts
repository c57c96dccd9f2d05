import { LabError } from '../errors.js';
// Render errors carry a code so the CLI can report them once, naming the node.

export type RenderErrorCode = 'UNKNOWN_ROUTER' | 'DUPLICATE_PEER' | 'UNSAFE_NAME';

export class RenderError extends LabError {
  constructor(
    readonly renderCode: RenderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('RENDER', `${renderCode}: ${message}`, options);
    this.name = 'RenderError';
  }
}
