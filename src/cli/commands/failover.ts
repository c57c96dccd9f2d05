// `lab failover --pop fra --fault freeze [--trials 5] [--bfd on|off|50x3]`:
// the product's stopwatch. Builds the clock; the runner does the rest.
import { parseBfdScoped } from '../../experiment/bfd-override.js';
import { FAULT_MODES, faultMode } from '../../fault/index.js';
import { runningLab } from '../../lab/running-lab.js';
import { monoMs } from '../../probe/sample.js';
import { renderFailoverReport } from '../../report/failover-report.js';
import { defaultFailoverDir, recordFailover } from '../../report/failover-run.js';
import { abortOnSignals } from '../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { CONFIG_ROOT } from '../context.js';
import { nonNegativeInt, positiveInt } from '../options.js';

interface FailoverFlags {
  pop: string;
  fault: string;
  trials: string;
  bfd: string;
  out?: string;
  lab?: string;
  seed?: string;
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
    labOption(),
    { flags: '--seed <n>', description: 'seed of the random delay before each fault (replays a run; default: a fresh one, printed)' },
    jsonOption('machine-readable result on stdout (progress as NDJSON on stderr)'),
  ],
  helpAfter: `\nFault modes:\n${FAULT_MODES.map((m) => `  ${m.name.padEnd(8)} ${m.summary}`).join('\n')}`,
  async run(ctx, _args: [], o: FailoverFlags) {
    const trials = positiveInt('--trials', o.trials);
    const seed = o.seed === undefined ? undefined : nonNegativeInt('--seed', o.seed);
    const { bfd, scope: bfdScope } = parseBfdScoped(o.bfd);
    const fault = faultMode(o.fault);
    const lab = await runningLab(ctx.rt, o.lab);
    const outDir = o.out ?? defaultFailoverDir();
    const abort = abortOnSignals('failover was interrupted; the fault and the BFD setting were restored');
    try {
      const { result: r } = await recordFailover(
        { rt: ctx.rt, lab, configRoot: CONFIG_ROOT, clock: { monoMs, wallMs: () => Date.now() }, progress: ctx.progress(!!o.json), signal: abort.signal },
        { pop: o.pop, fault, trials, bfd, bfdScope, outDir, seed },
      );
      ctx.print(!!o.json, r, () => renderFailoverReport(r, { color: process.stdout.isTTY }));
    } finally {
      abort.dispose();
    }
  },
});
