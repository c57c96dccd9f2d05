// `lab verify [file] [--case name] [--junit out.xml] [--json]`: the failover
// gates of the lab file's `verify:` block, run on the running lab. Exit 0
// when every bound holds, 1 when one does not (naming case, bound and the
// measured value), 2 on bad input — what a CI job needs, as k6 thresholds.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { monoMs } from '../../contract/sample.js';
import { LabError } from '../../errors.js';
import { FAULT_MODES } from '../../fault/index.js';
import { runningLab } from '../../lab/running-lab.js';
import { FAILOVER_RUNS_ROOT } from '../../report/failover-run.js';
import { loadLabFile } from '../../topology/load.js';
import { timestamp } from '../../util/timestamp.js';
import { renderJunit } from '../../verify/junit.js';
import type { VerifyResult } from '../../verify/result.js';
import { runVerify, selectCases } from '../../verify/run.js';
import { failedLines, renderVerifyTable } from '../../verify/table.js';
import { abortOnSignals } from '../abort-on-signals.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB } from '../context.js';

interface VerifyFlags {
  case?: string;
  junit?: string;
  out?: string;
  json?: boolean;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  description: "run the lab file's `verify:` failover cases on the running lab; exit 1 when a bound fails",
  arguments: [{ name: '[file]', description: 'lab file whose `verify:` block to run (its lab must be up)', default: DEFAULT_LAB }],
  options: [
    { flags: '--case <name>', description: 'run only this case' },
    { flags: '--junit <file>', description: 'also write JUnit XML (one testcase per case and bound) for CI report viewers' },
    { flags: '--out <dir>', description: 'where each case’s failover files go, one folder per case (default out/verify-<timestamp>/)' },
    jsonOption('machine-readable verdicts on stdout (progress as NDJSON on stderr)'),
  ],
  async run(ctx, [file]: [string], o: VerifyFlags) {
    const model = loadLabFile(file, { faultModes: FAULT_MODES.map((m) => m.name) });
    const cases = selectCases(model.verify, file, o.case);
    const lab = await runningLab(ctx.rt, model.name);
    const outDir = o.out ?? join(FAILOVER_RUNS_ROOT, `verify-${timestamp(new Date())}`);
    await mkdir(outDir, { recursive: true });
    const abort = abortOnSignals('verify was interrupted; the fault and the BFD setting were restored');
    try {
      const r = await runVerify(
        { rt: ctx.rt, lab, configRoot: CONFIG_ROOT, clock: { monoMs, wallMs: () => Date.now() }, progress: ctx.progress(!!o.json), signal: abort.signal },
        lab,
        { file: resolve(file), cases, outDir },
      );
      await writeFile(join(outDir, 'verify.json'), `${JSON.stringify(r, null, 2)}\n`);
      if (o.junit) await writeFile(o.junit, renderJunit(r));
      ctx.print(!!o.json, r, () => renderVerifyTable(r));
      const failed = failedLines(r);
      if (failed.length) throw new LabError('VERIFY_FAILED', `${failedCount(r)} failed:\n${failed.join('\n')}`);
    } finally {
      abort.dispose();
    }
  },
});

/** "1 bound", "3 bounds and 1 case that did not run". */
function failedCount(r: VerifyResult): string {
  const bounds = r.cases.reduce((n, c) => n + c.verdicts.filter((v) => !v.pass).length, 0);
  const runs = r.cases.filter((c) => c.error !== undefined).length;
  const parts = [bounds ? `${bounds} bound${bounds === 1 ? '' : 's'}` : '', runs ? `${runs} case${runs === 1 ? '' : 's'} that did not run` : ''];
  return parts.filter(Boolean).join(' and ');
}
