// `npm run bench -- swarm [--reps n]`: the default topology split over a two-node Swarm against one host.
import { renderSwarmBench, runSwarmBench } from '../../../bench/swarm.js';
import { createProgress, formatProgress } from '../../../lab/progress.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS, CONFIG_ROOT } from '../../context.js';
import { positiveInt } from '../../options.js';

export const swarmBenchCommand = defineCommand({
  name: 'swarm',
  description: 'a lab split over a two-node Swarm (this engine + a Docker-in-Docker node) against the same lab on one host: up per phase, overlay round trip',
  options: [{ flags: '--reps <n>', description: 'alternated repetitions of each side', default: '3' }, jsonOption('result on stdout')],
  async run(ctx, _args: [], o: { reps: string; json?: boolean }) {
    const log = createProgress((ev) => process.stderr.write(`${formatProgress(ev)}\n`));
    const r = await runSwarmBench({ rt: ctx.rt, configRoot: CONFIG_ROOT, resultsDir: BENCH_RESULTS, log }, { reps: positiveInt('--reps', o.reps) });
    ctx.print(!!o.json, r, () => renderSwarmBench(r));
  },
});
