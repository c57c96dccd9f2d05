// A failover run with its files, as `lab failover` makes it: the runner, one
// SVG timeline per trial, result.json and report.html in one directory. The
// CLI and the dashboard's failover panel both call this, so a run started
// from the page is the run the terminal would have made.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FailoverDeps, type FailoverOptions, runFailover } from '../experiment/failover.js';
import type { FailoverResult } from '../experiment/failover-result.js';
import { REPO_ROOT } from '../paths.js';
import { timestamp } from '../util/timestamp.js';
import { writeFailoverHtml } from './failover-html.js';
import { writeTrialTimeline } from './failover-timeline.js';

/** Where runs go unless told otherwise (`--out`): one `failover-<timestamp>/` each. The dashboard lists the runs found here. */
export const FAILOVER_RUNS_ROOT = join(REPO_ROOT, 'out');
/** The names of those directories: the run ids the dashboard links to. */
export const FAILOVER_DIR_PREFIX = 'failover-';

export const defaultFailoverDir = (at = new Date()): string => join(FAILOVER_RUNS_ROOT, `${FAILOVER_DIR_PREFIX}${timestamp(at)}`);

export interface RecordedFailover {
  result: FailoverResult;
  resultPath: string;
  reportPath: string;
}

/** runFailover, then result.json and report.html beside the trial timelines it drew. */
export async function recordFailover(deps: Omit<FailoverDeps, 'onTrial'>, opts: FailoverOptions & { outDir: string }): Promise<RecordedFailover> {
  const result = await runFailover({ ...deps, onTrial: writeTrialTimeline }, opts);
  const resultPath = join(opts.outDir, 'result.json');
  await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  // Beside the JSON: the CDF against the bound and every timeline, one page that opens offline.
  const reportPath = await writeFailoverHtml(result, opts.outDir);
  return { result, resultPath, reportPath };
}
