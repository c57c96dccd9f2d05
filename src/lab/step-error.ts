// A failure in a lifecycle step, naming what failed and where:
// `node "fra" start: <engine message>`. The cause is kept; its code too, so
// a timeout stays CONVERGENCE_TIMEOUT and a bad lab file stays bad input.
import { LabError, type LabErrorCode } from '../errors.js';

export class StepError extends LabError {
  constructor(
    /** e.g. `node "fra"`, `network "al-default-fra--t-eu"`, `lab "default"` */
    readonly subject: string,
    readonly step: string,
    cause: unknown,
    code: LabErrorCode = cause instanceof LabError ? cause.code : 'NODE_START',
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    // `lab "x" converge: lab "x" did not converge` says the name once.
    super(code, `${subject} ${step}: ${msg.startsWith(`${subject} `) ? msg.slice(subject.length + 1) : msg}`, { cause });
    this.name = 'StepError';
  }
}

export const nodeSubject = (node: string): string => `node "${node}"`;
export const labSubject = (lab: string): string => `lab "${lab}"`;
export const networkSubject = (network: string): string => `network "${network}"`;

/** Runs one step; a failure is rethrown as a StepError unless it already names its step or is an interruption. */
export async function atStep<T>(subject: string, step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof StepError || (err instanceof LabError && err.code === 'INTERRUPTED') ? err : new StepError(subject, step, err);
  }
}
