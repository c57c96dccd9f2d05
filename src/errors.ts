// One error family for everything the lab reports to a user. Only the CLI
// prints these and sets the exit code; everything else throws.

export type LabErrorCode =
  | 'LAB_FILE'
  | 'DOCKER_UNAVAILABLE'
  | 'IMAGE_BUILD'
  | 'CONVERGENCE_TIMEOUT'
  | 'NODE_START'
  | 'NOT_FOUND'
  | 'FAULT'
  | 'EXPERIMENT'
  | 'USAGE'
  | 'RENDER'
  | 'INTERRUPTED';

export class LabError extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LabError';
  }
}

/** One problem in a lab file, located for a human. */
export interface LabFileIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. links[3].b */
  field: string;
  message: string;
}

export class LabFileError extends LabError {
  constructor(readonly issues: LabFileIssue[]) {
    super('LAB_FILE', issues.map(formatIssue).join('\n'));
    this.name = 'LabFileError';
  }
}

export const formatIssue = (i: LabFileIssue): string =>
  `${i.file}:${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`;

export class ConvergenceError extends LabError {
  constructor(
    message: string,
    readonly pending: string[],
  ) {
    super('CONVERGENCE_TIMEOUT', message);
    this.name = 'ConvergenceError';
  }
}
