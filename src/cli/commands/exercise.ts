// `lab exercise list | start <id> | check <id> | hint <id> [--n k | --all] | solve <id> --trainer`:
// exercises that grade themselves against the running lab's real state. When
// this checkout joined a classroom board, start, check, hint and solve are
// reported to it (ctx.classroom, best effort).
import { join } from 'node:path';
import { LabError } from '../../errors.js';
import { EXERCISES, exerciseById } from '../../exercise/index.js';
import { checkExercise, type ExercisePaths, exerciseMeta, pickHints, type RunDeps, renderCheck, solveExercise, startExercise } from '../../exercise/run.js';
import { runningLab } from '../../lab/running-lab.js';
import { whileAbortable } from '../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { CONFIG_ROOT, REPO_ROOT } from '../context.js';
import { positiveInt } from '../options.js';

const ACTIONS = ['list', 'start', 'check', 'hint', 'solve'] as const;
type Action = (typeof ACTIONS)[number];

const PATHS: ExercisePaths = { labsDir: join(REPO_ROOT, 'labs'), exercisesDir: join(REPO_ROOT, 'labs', 'exercises'), configRoot: CONFIG_ROOT };

interface ExerciseFlags {
  n?: string;
  all?: boolean;
  trainer?: boolean;
  lab?: string;
  file?: string;
  json?: boolean;
}

export const exerciseCommand = defineCommand({
  name: 'exercise',
  description: 'workshop exercises that grade themselves: list, start (reset the lab and break it), check, hint, solve (--trainer)',
  arguments: [
    { name: '[action]', description: ACTIONS.join(' | '), default: 'list' },
    { name: '[id]', description: 'the exercise (see `exercise list`)' },
  ],
  options: [
    { flags: '--n <k>', description: 'hint: which hint (1 = the first)', default: undefined },
    { flags: '--all', description: 'hint: every hint at once' },
    { flags: '--trainer', description: 'solve: yes, apply the reference solution (it shows on the classroom board)' },
    labOption('lab name when several are up (check, solve)'),
    { flags: '--file <lab file>', description: "start: this lab file instead of the exercise's own (the same topology under another name)" },
    jsonOption(),
  ],
  helpAfter: `\nExercises (README: labs/exercises/<id>/README.md):\n${EXERCISES.map((e) => `  ${e.id}`).join('\n')}\ncheck exits 1 while the exercise is not solved.`,
  async run(ctx, [action = 'list', id]: [string?, string?], o: ExerciseFlags) {
    if (!(ACTIONS as readonly string[]).includes(action)) throw new LabError('USAGE', `unknown exercise action "${action}" (valid: ${ACTIONS.join(', ')})`);
    const json = !!o.json;
    if ((action as Action) === 'list') {
      if (id !== undefined) throw new LabError('USAGE', `exercise list takes no id (got "${id}")`);
      const rows = EXERCISES.map((e) => ({ id: e.id, ...exerciseMeta(PATHS, e) }));
      return ctx.print(
        json,
        rows.map(({ id, title, summary, lab, hints, minutes }) => ({ id, title, summary, lab, minutes, hints: hints.length })),
        () =>
          [
            ...rows.map(
              (r) =>
                `  ${r.id.padEnd(Math.max(...rows.map((x) => x.id.length)))}  ${r.title} (~${r.minutes} min)\n  ${' '.repeat(Math.max(...rows.map((x) => x.id.length)))}  ${r.summary}`,
            ),
            '',
            'start one: npm run lab -- exercise start <id>   (resets the lab, then breaks it as the exercise says)',
          ].join('\n'),
      );
    }
    const e = exerciseById(id);
    if ((action as Action) === 'hint') {
      if (o.n !== undefined && o.all) throw new LabError('USAGE', 'hint takes --n <k> or --all, not both');
      const meta = exerciseMeta(PATHS, e);
      const h = pickHints(e.id, meta.hints, o.all ? 'all' : o.n === undefined ? 1 : positiveInt('--n', o.n));
      await ctx.classroom?.report({ type: 'hint', exercise: e.id, n: o.all ? null : h.n });
      return ctx.print(json, { id: e.id, ...h }, () =>
        [
          ...h.hints.map((t, i) => `hint ${o.all ? i + 1 : h.n}/${h.of}: ${t}`),
          ...(h.n < h.of ? [`next: npm run lab -- exercise hint ${e.id} --n ${h.n + 1}`] : []),
        ].join('\n'),
      );
    }
    if ((action as Action) === 'solve' && !o.trainer) throw solveRefusal(e.id);
    await whileAbortable('exercise was interrupted', {}, async (signal) => {
      const deps: RunDeps = { rt: ctx.rt, progress: ctx.progress(json), paths: PATHS, signal, labFile: o.file };
      if ((action as Action) === 'start') {
        const r = await startExercise(deps, e);
        await ctx.classroom?.report({ type: 'start', exercise: e.id });
        return ctx.print(json, r, () =>
          [
            `exercise ${r.id} started on lab ${r.lab}: ${r.title}`,
            `  lab up in ${(r.upMs / 1000).toFixed(1)} s; ${r.reset}`,
            ...(r.injected.length ? ['  injected:', ...r.injected.map((l) => `    ${l}`)] : ['  nothing injected: the lab runs its lab file']),
            `  read: ${r.readme}`,
            `  then: npm run lab -- exercise check ${r.id}   (hint: npm run lab -- exercise hint ${r.id})`,
          ].join('\n'),
        );
      }
      const lab = await runningLab(ctx.rt, o.lab);
      if ((action as Action) === 'solve') {
        const r = await solveExercise(deps, e, lab);
        await ctx.classroom?.report({ type: 'solve', exercise: e.id });
        return ctx.print(json, r, () =>
          [`exercise ${r.id}: reference solution applied`, ...r.applied.map((l) => `  ${l}`), `  now: npm run lab -- exercise check ${r.id}`].join('\n'),
        );
      }
      const r = await checkExercise(deps, e, lab);
      await ctx.classroom?.report({ type: 'check', exercise: e.id, result: r });
      // Not solved yet is a result, not an error: printed like a pass, exit status 1.
      if (!r.passed) process.exitCode = 1;
      ctx.print(json, r, () => renderCheck(r));
    });
  },
});

/** `solve` gives the answer away: an attendee who types it by mistake (it is in --help) is told what it is, not given it. */
const solveRefusal = (id: string) =>
  new LabError(
    'USAGE',
    `exercise solve is for trainers: it applies the reference solution, and a solve shows on the classroom board next to your name.\n` +
      `  stuck? npm run lab -- exercise hint ${id}   (then --n 2, --n 3)\n` +
      `  trainer: npm run lab -- exercise solve ${id} --trainer`,
  );
