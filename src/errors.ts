// One error family for everything the lab reports to a user. Only the CLI
// prints these and sets the exit code; everything else throws.

/**
 * Every code and the exit status the CLI gives it, in one table: 2 when the
 * input was wrong (a flag, a lab file: fix it and rerun), 1 when something
 * failed at run time, 130 when the user interrupted (the shell's SIGINT
 * convention). Adding a code without an exit status does not compile.
 */
export const EXIT_CODES = {
  /** The lab file does not validate (LabFileError), or no longer loads. */
  LAB_FILE: 2,
  /** A flag or argument is wrong, or names something ambiguous. */
  USAGE: 2,
  /** A lab the schema let through but the renderer refuses: still the lab file. */
  RENDER: 2,
  DOCKER_UNAVAILABLE: 1,
  /** The host lacks a kernel feature or tool the lab asks for (sch_netem, …). */
  HOST_CAPABILITY: 1,
  IMAGE_BUILD: 1,
  NODE_START: 1,
  /** A host of a lab spread over engines (`hosts:`) is unreachable, or its Swarm is not as it must be. */
  HOST: 1,
  /** A command was not started in a container that is paused, or being paused (`freeze`). */
  NODE_PAUSED: 1,
  /** A command in a container did not finish within its deadline. */
  EXEC_TIMEOUT: 1,
  /** vtysh in a router failed. */
  ROUTER_QUERY: 1,
  CONVERGENCE_TIMEOUT: 1,
  NOT_FOUND: 1,
  /** The running lab no longer matches its lab file: `up` again first. */
  LAB_CHANGED: 1,
  /** Another command holds the lab's lock. */
  LAB_BUSY: 1,
  /** A `--check` found a generated file that differs from what would be written. */
  OUT_OF_DATE: 1,
  FAULT: 1,
  /** `lab pack` could not gather a part of the offline archive (git, npm, tar, the images). */
  PACK: 1,
  EXPERIMENT: 1,
  /** `lab verify` (or `failover --max-…`) measured a value beyond a bound: the gate failed. */
  VERIFY_FAILED: 1,
  INTERRUPTED: 130,
} as const satisfies Record<string, 1 | 2 | 130>;

export type LabErrorCode = keyof typeof EXIT_CODES;

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

export const formatIssue = (i: LabFileIssue): string => `${i.file}:${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`;

export class ConvergenceError extends LabError {
  constructor(
    message: string,
    readonly pending: string[],
  ) {
    super('CONVERGENCE_TIMEOUT', message);
    this.name = 'ConvergenceError';
  }
}
