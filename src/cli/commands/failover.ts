// `lab failover --pop fra --fault freeze [--trials 5] [--bfd on|off|50x3]
// [--max-p50 450ms …]`: the product's stopwatch. Builds the clock; the runner
// does the rest. With bounds it is a gate, judged as `lab verify` judges.

import { LabError } from '../../errors.js';
import { parseBfdScoped } from '../../experiment/bfd-override.js';
import type { FamilyChoice } from '../../experiment/failover-result.js';
import { FAULT_MODES, faultMode } from '../../fault/index.js';
import { runningLab } from '../../lab/running-lab.js';
import { monoMs } from '../../probe/sample.js';
import { renderFailoverReport } from '../../report/failover-report.js';
import { defaultFailoverDir, recordFailover } from '../../report/failover-run.js';
import type { Family } from '../../topology/model.js';
import { BOUND_FLAGS, type BoundFlags, boundsFromFlags } from '../../verify/flags.js';
import { judgeFamilies } from '../../verify/judge.js';
import { abortOnSignals } from '../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { CONFIG_ROOT } from '../context.js';
import { nonNegativeInt, positiveInt } from '../options.js';

interface FailoverFlags extends BoundFlags {
  pop: string;
  fault: string;
  trials: string;
  bfd: string;
  out?: string;
  lab?: string;
  seed?: string;
  family?: FamilyChoice;
  faultFamily?: Family;
  json?: boolean;
}

export const failoverCommand = defineCommand({
  name: 'failover',
  description: 'break a PoP and time, per client, how long until another PoP answers',
  options: [
    { flags: '--pop <pop>', description: 'the PoP to break', required: true },
    { flags: '--fault <mode>', description: 'how to break it', choices: FAULT_MODES.map((m) => m.name), required: true },
    { flags: '--trials <n>', description: 'trials', default: '5' },
    {
      flags: '--bfd <setting>',
      description: "on (lab file), off, or <tx>x<mult> e.g. 50x3 — applied live, restored after; <tx>x<mult>@pop for the PoP's sessions only",
      default: 'on',
    },
    { flags: '--out <dir>', description: 'where the SVG timelines, result.json and report.html (CDF + timelines) go (default out/failover-<timestamp>/)' },
    {
      flags: '--family <family>',
      description: 'which address family to time: both side by side (default on a dual-stack lab), ipv4 (default on an [ipv4] lab) or ipv6',
      choices: ['ipv4', 'ipv6', 'both'],
    },
    {
      flags: '--fault-family <family>',
      description: `aim the fault at one family of a dual-stack lab, leaving the other one serving (modes: ${FAULT_MODES.filter((m) => m.perFamily)
        .map((m) => m.name)
        .join(', ')}); default: the whole PoP. Times that family unless --family says otherwise (it must name the same family)`,
      choices: ['ipv4', 'ipv6'],
    },
    labOption(),
    { flags: '--seed <n>', description: 'seed of the random delay before each fault (replays a run; default: a fresh one, printed)' },
    jsonOption('machine-readable result on stdout (progress as NDJSON on stderr)'),
    ...BOUND_FLAGS,
  ],
  helpAfter: `\nFault modes:\n${FAULT_MODES.map((m) => `  ${m.name.padEnd(8)} ${m.summary}`).join('\n')}`,
  async run(ctx, _args: [], o: FailoverFlags) {
    const trials = positiveInt('--trials', o.trials);
    const seed = o.seed === undefined ? undefined : nonNegativeInt('--seed', o.seed);
    const { bfd, scope: bfdScope } = parseBfdScoped(o.bfd);
    const fault = faultMode(o.fault);
    const bounds = boundsFromFlags(o);
    const lab = await runningLab(ctx.rt, o.lab);
    const outDir = o.out ?? defaultFailoverDir();
    const abort = abortOnSignals('failover was interrupted; the fault and the BFD setting were restored');
    try {
      const { result: r } = await recordFailover(
        { rt: ctx.rt, lab, configRoot: CONFIG_ROOT, clock: { monoMs, wallMs: () => Date.now() }, progress: ctx.progress(!!o.json), signal: abort.signal },
        { pop: o.pop, fault, trials, bfd, bfdScope, outDir, seed, family: o.family, faultFamily: o.faultFamily },
      );
      if (Object.keys(bounds).length === 0) {
        ctx.print(!!o.json, r, () => renderFailoverReport(r, { color: process.stdout.isTTY }));
        return;
      }
      const verdicts = judgeFamilies({ expect: {}, bounds }, r);
      const lines = verdicts.map((v) => `${v.pass ? 'pass' : 'FAIL'}  ${v.bound} ${v.limit}: measured ${v.measured}`);
      ctx.print(!!o.json, { ...r, verdicts }, () => `${renderFailoverReport(r, { color: process.stdout.isTTY })}\n\n${lines.join('\n')}`);
      const failed = verdicts.filter((v) => !v.pass);
      if (failed.length)
        throw new LabError('VERIFY_FAILED', failed.map((v) => `${o.fault} ${o.pop}: ${v.bound} measured ${v.measured}, bound ${v.limit}`).join('\n'));
    } finally {
      abort.dispose();
    }
  },
});
