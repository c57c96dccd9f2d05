// `npm run bench -- up [--reps n] [--cold-reps n] [--scale 4,16] [--scale-reps n] [--contention n]`.
import { renderUpBench, runUpBench } from '../../../bench/up.js';
import { createProgress, formatProgress } from '../../../lab/progress.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS, CONFIG_ROOT, DEFAULT_LAB } from '../../context.js';
import { positiveInt } from '../../options.js';

interface UpBenchFlags {
  lab: string;
  reps: string;
  coldReps: string;
  scale?: string;
  scaleReps: string;
  contention: string;
  json?: boolean;
}

export const upBenchCommand = defineCommand({
  name: 'up',
  description: 'time `up` (cold, warm, re-up), `down` and the Docker floor; optionally generated labs of N PoPs',
  options: [
    { flags: '--lab <file>', description: 'lab file', default: DEFAULT_LAB },
    { flags: '--reps <n>', description: 'repetitions of warm up, re-up, down and the floor', default: '5' },
    { flags: '--cold-reps <n>', description: 'repetitions with images rebuilt (each ~30-70 s of mmdebstrap); 0 to skip', default: '1' },
    { flags: '--scale <pops>', description: 'comma-separated PoP counts for generated labs (transits = max(2, N/4), eyeballs = max(4, N/4)), e.g. 4,16,40' },
    { flags: '--scale-reps <n>', description: 'runs of each generated lab, floor then up, alternating; the row is their median', default: '1' },
    {
      flags: '--contention <n>',
      description: 'also: N runs of down + up with two CPU-bound processes running the whole time (they end themselves)',
      default: '0',
    },
    jsonOption('result on stdout'),
  ],
  async run(ctx, _args: [], o: UpBenchFlags) {
    const reps = positiveInt('--reps', o.reps);
    const contentionRuns = o.contention === '0' ? 0 : positiveInt('--contention', o.contention);
    const coldReps = o.coldReps === '0' ? 0 : positiveInt('--cold-reps', o.coldReps);
    const scale = (o.scale ?? '')
      .split(',')
      .filter(Boolean)
      .map((s) => positiveInt('--scale', s));
    // The bench's own steps; the many per-node steps of each `up` would drown them.
    const log = createProgress((ev) => {
      if (!/^(converged|answered|create|started|network|config verified|route)$/.test(ev.step)) process.stderr.write(`${formatProgress(ev)}\n`);
    });
    const r = await runUpBench(
      { rt: ctx.rt, configRoot: CONFIG_ROOT, resultsDir: BENCH_RESULTS, log },
      { labFile: o.lab, reps, coldReps, scale, scaleReps: positiveInt('--scale-reps', o.scaleReps), contentionRuns },
    );
    ctx.print(!!o.json, r, () => renderUpBench(r));
  },
});
