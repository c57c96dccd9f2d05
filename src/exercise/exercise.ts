// What an exercise is: data in labs/exercises/<id>/exercise.yaml (title, lab,
// hints) plus the code that only TypeScript can say: the injected fault, the
// checker and the reference solution. Checkers read real state (vtysh JSON,
// answers from inside clients, a failover run), never config text alone.
import type { Progress } from '../lab/progress.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';

/** Everything an exercise's code receives: the running lab and where its folder is. */
export interface ExerciseContext {
  rt: ContainerRuntime;
  lab: Lab;
  progress: Progress;
  /** labs/exercises/<id>/ (answer files live there). */
  dir: string;
  /** Host dir of the rendered FRR configs (the failover runner wants it). */
  configRoot: string;
  signal?: AbortSignal;
}

/** One thing the checker looked at: what it wanted, and why it passed or not. */
export interface Criterion {
  name: string;
  passed: boolean;
  /** What was seen, e.g. "c-us is answered by iad, want gru". */
  reason: string;
}

export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  criteria: Criterion[];
}

export interface Exercise {
  id: string;
  /**
   * Undo this exercise's injection; safe to run when it was never injected.
   * `start` of any exercise runs every exercise's cleanup: an injection that
   * `up` would not repair (an extra route, a looser filter) must not leak into
   * the next exercise.
   */
  cleanup?(ctx: ExerciseContext): Promise<void>;
  /** The fault or misconfiguration the attendee starts from. */
  inject?(ctx: ExerciseContext): Promise<string[]>;
  check(ctx: ExerciseContext): Promise<Criterion[]>;
  /** The reference solution, applied live; returns what it did. */
  solve(ctx: ExerciseContext): Promise<string[]>;
}

/** A criterion from a list of problems: passed when there are none. */
export const criterion = (name: string, problems: readonly string[], okReason: string): Criterion => ({
  name,
  passed: problems.length === 0,
  reason: problems.length ? problems.join('; ') : okReason,
});
