// `npm run bench -- cli [--runs n] [--lab name]`: start-up time of the CLI (`--help`, and `status` when a lab is up).
import { renderCliBench, runCliBench } from '../../../bench/cli-start.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS } from '../../context.js';
import { positiveInt } from '../../options.js';

interface CliBenchFlags {
  runs: string;
  wrapperRuns: string;
  statusRuns: string;
  lab?: string;
  json?: boolean;
}

export const cliBenchCommand = defineCommand({
  name: 'cli',
  description: 'time `--help` from the bin (and npm run, npx, tsx beside it) and `status --json` on a running lab',
  options: [
    { flags: '--runs <n>', description: 'runs of `node bin/anycast-lab.mjs --help`', default: '21' },
    { flags: '--wrapper-runs <n>', description: 'runs of each slower way in (npm run -s lab, npx, tsx); 0 to skip them', default: '5' },
    { flags: '--status-runs <n>', description: 'runs of `status --json` when a lab is up', default: '11' },
    { flags: '--lab <name>', description: 'lab to time `status` on, when several are up' },
    jsonOption('result on stdout'),
  ],
  async run(ctx, _args: [], o: CliBenchFlags) {
    const r = await runCliBench(
      { rt: ctx.rt, progress: ctx.progress(!!o.json), resultsDir: BENCH_RESULTS },
      {
        runs: positiveInt('--runs', o.runs),
        wrapperRuns: o.wrapperRuns === '0' ? 0 : positiveInt('--wrapper-runs', o.wrapperRuns),
        statusRuns: positiveInt('--status-runs', o.statusRuns),
        lab: o.lab,
      },
    );
    ctx.print(!!o.json, r, () => renderCliBench(r));
  },
});
