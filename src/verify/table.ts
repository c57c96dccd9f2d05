// The pass/fail table `lab verify` prints: one row per case and bound, the
// measured value beside the bound.
import { formatTable } from '../util/format.js';
import { failureLine } from './judge.js';
import type { VerifyResult } from './result.js';

export function renderVerifyTable(r: VerifyResult): string {
  const rows: string[][] = [];
  for (const c of r.cases) {
    for (const v of c.verdicts) rows.push([c.name, v.bound, v.limit, v.measured, v.pass ? 'pass' : 'FAIL']);
    // The reason can span lines (one per problem): the row says where to look, the list below has it whole.
    if (c.error !== undefined) rows.push([c.name, 'run', '-', 'did not run (why: below)', 'FAIL']);
  }
  const failed = failedLines(r);
  const verdict = failed.length ? `${failed.length} failed:\n${failed.map((l) => `  ${l}`).join('\n')}` : `all ${rows.length} bounds passed`;
  return `lab ${r.lab} (${r.file})\n${formatTable(['case', 'bound', 'limit', 'measured', 'verdict'], rows)}\n${verdict}`;
}

/** One line per failed bound (or case that did not run), naming the case, the bound and the measured value. */
export function failedLines(r: VerifyResult): string[] {
  return r.cases.flatMap((c) => [
    ...c.verdicts.filter((v) => !v.pass).map((v) => failureLine(c.name, v)),
    ...(c.error !== undefined ? [`${c.name}: did not run: ${c.error.replace(/\n/g, '\n    ')}`] : []),
  ]);
}
