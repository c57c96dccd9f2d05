// `npm run bench -- failover [--trials N]`: failover distributions per fault mode and BFD setting.
import { renderBench, runFailoverBench } from '../../../bench/failover.js';
import { abortOnSignals } from '../../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../../command.js';
import { BENCH_RESULTS, CONFIG_ROOT } from '../../context.js';
import { nonNegativeInt, positiveInt } from '../../options.js';

interface FailoverBenchFlags {
  trials: string;
  pop: string;
  modes: string;
  bfd: string;
  seed?: string;
  lab?: string;
  json?: boolean;
}

export const failoverBenchCommand = defineCommand({
  name: 'failover',
  description: 'failover distributions for freeze/silent/cut × BFD 300x3, 100x3, 50x3, 20x3, 10x3, off',
  options: [
    { flags: '--trials <n>', description: 'trials per case', default: '20' },
    { flags: '--pop <pop>', description: 'PoP to break', default: 'fra' },
    { flags: '--modes <list>', description: 'fault modes', default: 'freeze,silent,cut' },
    {
      flags: '--bfd <list>',
      description: "BFD settings; <tx>x<mult>@pop applies one to the PoP's sessions only",
      default: '300x3,100x3,50x3,20x3,10x3,20x3@pop,10x3@pop,off',
    },
    { flags: '--seed <n>', description: 'seed of the random fault phases (each case uses it)' },
    labOption(),
    jsonOption('print the result JSON on stdout'),
  ],
  async run(ctx, _args: [], o: FailoverBenchFlags) {
    const trials = positiveInt('--trials', o.trials);
    const seed = o.seed === undefined ? undefined : nonNegativeInt('--seed', o.seed);
    const abort = abortOnSignals('bench failover was interrupted; the running case restored its fault');
    try {
      const r = await runFailoverBench(
        { rt: ctx.rt, progress: ctx.progress(!!o.json), signal: abort.signal, configRoot: CONFIG_ROOT, resultsDir: BENCH_RESULTS },
        { trials, pop: o.pop, modes: o.modes, bfd: o.bfd, seed, lab: o.lab },
      );
      ctx.print(!!o.json, r, () => `${renderBench(r.rows)}results: ${r.file}\nCDF per case: ${r.html}`);
    } finally {
      abort.dispose();
    }
  },
});
