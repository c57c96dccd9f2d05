// `npm run bench -- bfd-remedy`: does real-time bfdd or echo mode keep fast BFD from flapping here?
import { parseVariants, REMEDY_VARIANTS, renderBfdRemedy, runBfdRemedyBench } from '../../../bench/bfd-remedy.js';
import { abortOnSignals } from '../../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../../command.js';
import { BENCH_RESULTS } from '../../context.js';
import { positiveInt } from '../../options.js';

export const bfdRemedyBenchCommand = defineCommand({
  name: 'bfd-remedy',
  description: 'count BFD flaps at a fast interval: plain, bfdd real-time, echo mode, both (needs root and cgroup v1 for real-time)',
  options: [
    { flags: '--interval <ms>', description: 'BFD (or echo) interval', default: '20' },
    { flags: '--multiplier <n>', description: 'detect multiplier', default: '3' },
    { flags: '--seconds <n>', description: 'counting window per variant', default: '60' },
    { flags: '--warmup <s>', description: 'seconds after each change before counting', default: '15' },
    { flags: '--variants <list>', description: `from ${REMEDY_VARIANTS.join(',')}`, default: REMEDY_VARIANTS.join(',') },
    labOption(),
    jsonOption('print the result JSON on stdout'),
  ],
  async run(ctx, _args: [], o: { interval: string; multiplier: string; seconds: string; warmup: string; variants: string; lab?: string; json?: boolean }) {
    const opts = {
      interval: positiveInt('--interval', o.interval),
      multiplier: positiveInt('--multiplier', o.multiplier),
      seconds: positiveInt('--seconds', o.seconds),
      warmupSeconds: positiveInt('--warmup', o.warmup),
      variants: parseVariants(o.variants),
      lab: o.lab,
    };
    const abort = abortOnSignals("bench bfd-remedy was interrupted; scheduling and the lab file's BFD were put back");
    try {
      const r = await runBfdRemedyBench({ rt: ctx.rt, progress: ctx.progress(!!o.json), signal: abort.signal, resultsDir: BENCH_RESULTS }, opts);
      ctx.print(!!o.json, r, () => renderBfdRemedy(r));
    } finally {
      abort.dispose();
    }
  },
});
