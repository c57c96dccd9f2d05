// `npm run bench -- report [--check] [--json]`: the tables of README.md and docs/*.md from bench/results/.
import { reportDocs, runReportBench } from '../../../bench/report.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS, REPO_ROOT } from '../../context.js';

export const reportBenchCommand = defineCommand({
  name: 'report',
  description: 'regenerate the benchmark tables of README.md and docs/*.md from bench/results/ (--check: only compare)',
  options: [
    { flags: '--check', description: 'exit 1 if README.md or a doc under docs/ differs from what the result files say' },
    jsonOption('which file each block came from, on stdout'),
  ],
  run(ctx, _args: [], o: { check?: boolean; json?: boolean }) {
    const r = runReportBench({ repoRoot: REPO_ROOT, docs: reportDocs(REPO_ROOT), resultsDir: BENCH_RESULTS, check: !!o.check });
    ctx.print(!!o.json, r, () =>
      [
        r.check ? 'checked README.md and docs/*.md' : r.changed.length ? `rewrote ${r.changed.join(', ')}` : 'unchanged: README.md and docs/*.md',
        ...Object.entries(r.blocks).map(([id, f]) => `  ${id.padEnd(10)} ← bench/results/${f}`),
      ].join('\n'),
    );
  },
});
