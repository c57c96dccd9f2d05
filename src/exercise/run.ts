// start / check / hint / solve for one exercise: the CLI, the integration test
// and (later) a dashboard call these, never the exercises' code directly.
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { Progress } from '../lab/progress.js';
import { labUp } from '../lab/up.js';
import { resetAll } from '../policy/live-policy.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import type { CheckResult, Criterion, Exercise, ExerciseContext } from './exercise.js';
import { EXERCISES } from './index.js';
import { type ExerciseMeta, loadMeta } from './meta.js';

export interface ExercisePaths {
  /** labs/ (lab files named by exercise.yaml are relative to it). */
  labsDir: string;
  /** labs/exercises/ */
  exercisesDir: string;
  configRoot: string;
}

export interface RunDeps {
  rt: ContainerRuntime;
  progress: Progress;
  paths: ExercisePaths;
  signal?: AbortSignal;
  /** The exercises `start` cleans up after (default: all registered). */
  all?: readonly Exercise[];
  /** `start` on this lab file instead of the one exercise.yaml names: the same topology under another name (the test suite's own lab). */
  labFile?: string;
}

export const exerciseDir = (paths: ExercisePaths, id: string): string => join(paths.exercisesDir, id);

export const exerciseMeta = (paths: ExercisePaths, e: Exercise): ExerciseMeta => loadMeta(exerciseDir(paths, e.id));

const context = (d: RunDeps, e: Exercise, lab: Lab): ExerciseContext => ({
  rt: d.rt,
  lab,
  progress: d.progress,
  dir: exerciseDir(d.paths, e.id),
  configRoot: d.paths.configRoot,
  signal: d.signal,
});

export interface StartResult {
  id: string;
  title: string;
  lab: string;
  upMs: number;
  reset: string;
  injected: string[];
  readme: string;
}

/**
 * Every exercise's cleanup (an injection `up` does not repair must not leak
 * into this one), then `up --reset` semantics, then this exercise's fault.
 */
export async function startExercise(d: RunDeps, e: Exercise): Promise<StartResult> {
  const meta = exerciseMeta(d.paths, e);
  const lab = loadLabFile(d.labFile ?? join(d.paths.labsDir, meta.lab));
  // Before `up`: a leftover `up` cannot see as such (a stopped responder looks
  // like a wrong catchment, and `up` would wait it out). Best effort: on a lab
  // that is not running there is nothing to clean, and `up` builds it fresh.
  for (const other of d.all ?? EXERCISES) {
    if (!other.cleanup) continue;
    d.progress.step('lab', 'cleanup', other.id);
    await other.cleanup(context(d, other, lab)).catch((err: Error) => {
      if (d.signal?.aborted) throw err;
      d.progress.step('lab', 'cleanup', `${other.id}: skipped (${err.message.split('\n')[0]})`);
    });
  }
  d.progress.step('lab', 'up', `${lab.name} from ${d.labFile ?? meta.lab}`);
  const up = await labUp(d.rt, lab, { progress: d.progress, paths: { configRoot: d.paths.configRoot }, signal: d.signal });
  const reset = await resetAll(d.rt, lab, { progress: d.progress, signal: d.signal });
  let injected: string[] = [];
  if (e.inject) {
    d.progress.step('lab', 'inject', e.id);
    injected = await e.inject(context(d, e, lab));
  }
  return {
    id: e.id,
    title: meta.title,
    lab: lab.name,
    upMs: Math.round(up.wallMs),
    reset: reset.change,
    injected,
    readme: join(exerciseDir(d.paths, e.id), 'README.md'),
  };
}

/** A failed check is a result, not an error: a criterion that throws fails with its message. */
export async function checkExercise(d: RunDeps, e: Exercise, lab: Lab): Promise<CheckResult> {
  const meta = exerciseMeta(d.paths, e);
  let criteria: Criterion[];
  try {
    criteria = await e.check(context(d, e, lab));
  } catch (err) {
    if (d.signal?.aborted) throw err;
    criteria = [{ name: 'the checker could read the lab', passed: false, reason: (err as Error).message.split('\n')[0] }];
  }
  return { id: e.id, title: meta.title, passed: criteria.length > 0 && criteria.every((c) => c.passed), criteria };
}

export async function solveExercise(d: RunDeps, e: Exercise, lab: Lab): Promise<{ id: string; applied: string[] }> {
  return { id: e.id, applied: await e.solve(context(d, e, lab)) };
}

export function renderCheck(r: CheckResult): string {
  const pad = Math.max(...r.criteria.map((c) => c.name.length));
  return [
    `exercise ${r.id}: ${r.title}`,
    ...r.criteria.map((c) => `  ${c.passed ? '[PASS]' : '[FAIL]'} ${c.name.padEnd(pad)}  ${c.reason}`),
    `${r.passed ? 'PASSED' : 'NOT YET'}: ${r.criteria.filter((c) => c.passed).length}/${r.criteria.length} criteria`,
  ].join('\n');
}

/** Hint `n` (1-based) of `hints`, or all of them; an out-of-range `n` names the range. */
export function pickHints(id: string, hints: readonly string[], n: number | 'all'): { n: number; of: number; hints: string[] } {
  if (n === 'all') return { n: hints.length, of: hints.length, hints: [...hints] };
  if (n < 1 || n > hints.length) throw new LabError('USAGE', `exercise ${id} has hints 1 to ${hints.length} (got --n ${n})`);
  return { n, of: hints.length, hints: [hints[n - 1]] };
}
