// `npm run bench -- report [--check] [--json]`: the README's tables from bench/results/.
import { join } from 'node:path';
import { runReportBench } from '../../../bench/report.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS, REPO_ROOT } from '../../context.js';

export const reportBenchCommand = defineCommand({
  name: 'report',
  description: "regenerate the README's benchmark tables from bench/results/ (--check: only compare)",
  options: [
    { flags: '--check', description: 'exit 1 if README.md differs from what the result files say' },
    jsonOption('which file each block came from, on stdout'),
  ],
  run(ctx, _args: [], o: { check?: boolean; json?: boolean }) {
    const r = runReportBench({ readmePath: join(REPO_ROOT, 'README.md'), resultsDir: BENCH_RESULTS, check: !!o.check });
    ctx.print(!!o.json, r, () =>
      [
        `${r.check ? 'checked' : r.changed ? 'rewrote' : 'unchanged:'} README.md`,
        ...Object.entries(r.blocks).map(([id, f]) => `  ${id.padEnd(10)} ← bench/results/${f}`),
      ].join('\n'),
    );
  },
});
