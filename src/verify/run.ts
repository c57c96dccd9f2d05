// `lab verify`: every case of the lab file's `verify:` block (or one) run on
// the running lab with the failover experiment, each judged against its
// bounds. A case that cannot run is reported as failed with its reason and
// the next case still runs: a CI log should show every gate at once.
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { parseBfdScoped } from '../experiment/bfd-override.js';
import type { FailoverDeps } from '../experiment/failover.js';
import { faultMode } from '../fault/index.js';
import { recordFailover } from '../report/failover-run.js';
import { SCHEMA_VERSION } from '../schema-version.js';
import type { Lab, VerifyCase } from '../topology/model.js';
import { judgeFamilies } from './judge.js';
import type { VerifyCaseReport, VerifyResult } from './result.js';

export interface VerifyOptions {
  /** The lab file the cases came from (shown in the result). */
  file: string;
  cases: VerifyCase[];
  /** Each case's failover files go to <outDir>/<case>/. */
  outDir: string;
}

/** Only the named case, or a usage error listing the cases there are. */
export function selectCases(cases: VerifyCase[] | undefined, file: string, only?: string): VerifyCase[] {
  if (!cases?.length) throw new LabError('USAGE', `${file} has no \`verify:\` cases; add some (docs/schema/lab-file.schema.json, labs/default.yaml)`);
  if (only === undefined) return cases;
  const c = cases.find((x) => x.name === only);
  if (!c) throw new LabError('USAGE', `Expected \`--case\` to be one of ${cases.map((x) => x.name).join(', ')}, got "${only}"`);
  return [c];
}

export async function runVerify(deps: Omit<FailoverDeps, 'onTrial'>, lab: Lab, o: VerifyOptions): Promise<VerifyResult> {
  const t0 = performance.now();
  const cases: VerifyCaseReport[] = [];
  for (const c of o.cases) {
    deps.signal?.throwIfAborted();
    deps.progress.step('verify', c.name, `${c.mode} ${c.pop}, BFD ${c.bfd}, ${c.trials} trial${c.trials === 1 ? '' : 's'}`);
    cases.push(await runCase(deps, c, join(o.outDir, c.name)));
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    lab: lab.name,
    file: o.file,
    passed: cases.every((c) => c.passed),
    wallMs: Math.round(performance.now() - t0),
    cases,
  };
}

async function runCase(deps: Omit<FailoverDeps, 'onTrial'>, c: VerifyCase, outDir: string): Promise<VerifyCaseReport> {
  const t0 = performance.now();
  const head = { name: c.name, pop: c.pop, mode: c.mode, bfd: c.bfd, trials: c.trials };
  const { bfd, scope } = parseBfdScoped(c.bfd);
  try {
    const { result } = await recordFailover(deps, { pop: c.pop, fault: faultMode(c.mode), trials: c.trials, bfd, bfdScope: scope, outDir, seed: c.seed });
    const verdicts = judgeFamilies(c, result);
    return { ...head, passed: verdicts.every((v) => v.pass), wallMs: Math.round(performance.now() - t0), outDir, verdicts };
  } catch (err) {
    // Interrupted: stop here (the runner has restored the fault); anything else fails this case only.
    if (err instanceof LabError && err.code === 'INTERRUPTED') throw err;
    if (deps.signal?.aborted) throw err;
    const error = err instanceof Error ? err.message : String(err);
    return { ...head, passed: false, wallMs: Math.round(performance.now() - t0), outDir, error, verdicts: [] };
  }
}
