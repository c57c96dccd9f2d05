// `npm test`'s vitest part: the unit tests, then the integration files in the
// phases of test/sequencer.ts (SUITE_PHASES): the first phase alone, the two
// lanes side by side (each its own vitest, on its own labs), the last phase
// alone. Every phase runs even after one fails, so a CI log shows every
// failure; the exit status is 1 when any did. One JSON report for the whole
// run, in the place .ci/run reads (.cache/vitest-results.json).
//
//   npx tsx test/run-suite.ts [vitest args, e.g. -t "name"]
//
// Why lanes: on the 2-core machine the suite runs on, one integration file at
// a time left the cores ~45 % idle (bench/results/npm-test-*.json,
// cpuBusyPct), most files waiting on timers, convergence and containers.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { laneBLabText, SIDE_LABS_OF_LANE, SUITE_PHASES } from './sequencer.js';

const REPO = join(import.meta.dirname, '..');
const CACHE = join(REPO, '.cache');
const VITEST = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
const INTEGRATION = join(REPO, 'test', 'integration');
const extra = process.argv.slice(2);

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
  numPassedTestSuites: number;
  numFailedTestSuites: number;
  numTotalTestSuites: number;
  startTime: number;
  success: boolean;
  testResults: unknown[];
}

/** vitest on `files` (paths under the repo), its lines prefixed by `tag`; resolves with its exit status and JSON report. */
function vitest(tag: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; report?: Report }> {
  const json = join(CACHE, `vitest-${tag || 'run'}.json`);
  rmSync(json, { force: true });
  const child = spawn(process.execPath, [VITEST, 'run', ...args, ...extra], {
    cwd: REPO,
    env: { ...process.env, ...env, ANYCAST_TEST_JSON: json },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    createInterface({ input: from }).on('line', (line) => to.write(tag ? `${tag}│ ${line}\n` : `${line}\n`));
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      let report: Report | undefined;
      try {
        report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      } catch {
        // vitest wrote no report (it failed before running any file): the exit status says so.
      }
      resolve({ code: code ?? 1, report });
    });
  });
}

const fileArgs = (names: readonly string[]) => names.map((n) => `test/integration/${n}.test.ts`);

function merge(reports: Report[]): Report {
  const sum = (k: keyof Report) => reports.reduce((n, r) => n + (r[k] as number), 0);
  return {
    numPassedTests: sum('numPassedTests'),
    numFailedTests: sum('numFailedTests'),
    numPendingTests: sum('numPendingTests'),
    numTodoTests: sum('numTodoTests'),
    numTotalTests: sum('numTotalTests'),
    numPassedTestSuites: sum('numPassedTestSuites'),
    numFailedTestSuites: sum('numFailedTestSuites'),
    numTotalTestSuites: sum('numTotalTestSuites'),
    startTime: Math.min(...reports.map((r) => r.startTime)),
    success: reports.every((r) => r.success),
    testResults: reports.flatMap((r) => r.testResults),
  };
}

async function main(): Promise<number> {
  mkdirSync(join(CACHE, 'labs'), { recursive: true });
  const laneBLab = join(CACHE, 'labs', 'test-b.yaml');
  writeFileSync(laneBLab, laneBLabText(readFileSync(join(REPO, 'test', 'fixtures', 'labs', 'test.yaml'), 'utf8')));

  // A file no phase names runs in lane A, on the suite's lab as it is (test/sequencer.ts).
  const named = new Set(SUITE_PHASES.flatMap((p) => ('files' in p ? p.files : [...p.lanes.a, ...p.lanes.b])));
  const unnamed = readdirSync(INTEGRATION)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .filter((n) => !named.has(n));

  const reports: Report[] = [];
  let failed = false;
  const note = (r: { code: number; report?: Report }, what: string) => {
    if (r.report) reports.push(r.report);
    if (r.code !== 0) {
      failed = true;
      console.error(`run-suite: ${what} exited ${r.code}${r.report ? '' : ' without a report'}`);
    }
  };
  for (const phase of SUITE_PHASES) {
    const t0 = performance.now();
    if ('files' in phase) {
      // The unit tests run in the first phase's vitest (their project's groupOrder puts them first).
      const unit = phase === SUITE_PHASES[0] ? ['--project', 'unit', 'test/unit/'] : [];
      note(await vitest('', [...unit, '--project', 'integration', ...fileArgs(phase.files)], {}), `phase ${phase.name}`);
    } else {
      const runs = await Promise.all([
        vitest('a', ['--project', 'integration', ...fileArgs([...phase.lanes.a, ...unnamed])], { ANYCAST_TEST_LABS: SIDE_LABS_OF_LANE.a.join(',') }),
        vitest('b', ['--project', 'integration', ...fileArgs(phase.lanes.b)], {
          ANYCAST_LAB_FILE: laneBLab,
          ANYCAST_TEST_LABS: SIDE_LABS_OF_LANE.b.join(','),
        }),
      ]);
      for (const [i, r] of runs.entries()) note(r, `lane ${'ab'[i]}`);
    }
    console.log(`run-suite: phase ${phase.name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (reports.length) writeFileSync(join(CACHE, 'vitest-results.json'), JSON.stringify(merge(reports)));
  return failed ? 1 : 0;
}

process.exitCode = await main();
