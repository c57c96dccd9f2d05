// `npm run bench -- soak --minutes 10 [--bfd 100x3,20x3,10x3]`: does BFD at this interval hold here?
import { renderSoak, runSoakBench } from '../../../bench/soak.js';
import { abortOnSignals } from '../../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../../command.js';
import { BENCH_RESULTS } from '../../context.js';
import { positiveInt } from '../../options.js';

export const soakBenchCommand = defineCommand({
  name: 'soak',
  description: 'count BFD and BGP flaps over minutes, idle then under probes, per BFD setting',
  options: [
    { flags: '--minutes <n>', description: 'minutes per BFD setting (half idle, half probed)', default: '10' },
    { flags: '--bfd <list>', description: "BFD settings, e.g. 100x3,20x3,10x3; 20x3@fra: on fra's sessions only", default: '100x3' },
    labOption(),
    jsonOption('print the result JSON on stdout'),
  ],
  async run(ctx, _args: [], o: { minutes: string; bfd: string; lab?: string; json?: boolean }) {
    const minutes = positiveInt('--minutes', o.minutes);
    const abort = abortOnSignals("bench soak was interrupted; the lab file's BFD was put back");
    try {
      const r = await runSoakBench(
        { rt: ctx.rt, progress: ctx.progress(!!o.json), signal: abort.signal, resultsDir: BENCH_RESULTS },
        { minutes, bfd: o.bfd, lab: o.lab },
      );
      ctx.print(!!o.json, r, () => renderSoak(r));
    } finally {
      abort.dispose();
    }
  },
});
