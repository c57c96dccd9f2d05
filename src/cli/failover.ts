// `lab failover --pop fra --fault freeze [--trials 5] [--bfd on|off|50x3]`:
// the product's stopwatch. Builds the clock; the runner does the rest.
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { REPO_ROOT } from '../agent/build.js';
import { LabError } from '../errors.js';
import { runFailover } from '../experiment/failover.js';
import { FAULT_MODES, faultMode } from '../fault/index.js';
import { parseBfdScoped } from '../experiment/bfd-override.js';
import { runningLab } from '../lab/running-lab.js';
import { monoMs } from '../probe/sample.js';
import { renderFailoverReport } from '../report/failover-report.js';
import type { CliContext } from './main.js';

export const FAILOVER_CONFIG_ROOT = join(REPO_ROOT, 'frr-configs');

export const timestamp = (d = new Date()): string => d.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');

export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LabError('USAGE', `Expected \`${name}\` to be a positive integer, got "${value}"`);
  return n;
}

export function nonNegativeInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new LabError('USAGE', `Expected \`${name}\` to be an integer from 0 to 4294967295, got "${value}"`);
  return n;
}

/** Aborts on Ctrl-C so the runner's `finally` restores the fault and the BFD setting before we exit. */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSig = () => ac.abort(new LabError('EXPERIMENT', 'interrupted; fault restored'));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', onSig), process.off('SIGTERM', onSig)) };
}

export function registerFailover(program: Command, ctx: CliContext): void {
  program
    .command('failover')
    .description('break a PoP and time, per client, how long until another PoP answers')
    .requiredOption('--pop <pop>', 'the PoP to break')
    .addOption(new Option('--fault <mode>', 'how to break it').choices(FAULT_MODES.map((m) => m.name)).makeOptionMandatory())
    .option('--trials <n>', 'trials', '5')
    .option('--bfd <setting>', 'on (lab file), off, or <tx>x<mult> e.g. 50x3 — applied live, restored after; <tx>x<mult>@pop for the PoP\'s sessions only', 'on')
    .option('--out <dir>', 'where SVG timelines and the JSON go (default out/failover-<timestamp>/)')
    .option('--lab <name>', 'lab name when several are up')
    .option('--seed <n>', 'seed of the random delay before each fault (replays a run; default: a fresh one, printed)')
    .option('--json', 'machine-readable result on stdout (progress as NDJSON on stderr)')
    .addHelpText('after', `\nFault modes:\n${FAULT_MODES.map((m) => `  ${m.name.padEnd(8)} ${m.summary}`).join('\n')}`)
    .action(async (o: { pop: string; fault: string; trials: string; bfd: string; out?: string; lab?: string; seed?: string; json?: boolean }) => {
      const trials = positiveInt('--trials', o.trials);
      const seed = o.seed === undefined ? undefined : nonNegativeInt('--seed', o.seed);
      const { bfd, scope: bfdScope } = parseBfdScoped(o.bfd);
      const fault = faultMode(o.fault);
      const lab = await runningLab(ctx.rt, o.lab);
      const outDir = o.out ?? join(REPO_ROOT, 'out', `failover-${timestamp()}`);
      const abort = abortOnSignals();
      try {
        const r = await runFailover(
          { rt: ctx.rt, lab, configRoot: FAILOVER_CONFIG_ROOT, clock: { monoMs, wallMs: () => Date.now() }, progress: ctx.progress(!!o.json), signal: abort.signal },
          { pop: o.pop, fault, trials, bfd, bfdScope, outDir, seed },
        );
        const { writeFile } = await import('node:fs/promises');
        await writeFile(join(outDir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
        ctx.print(!!o.json, r, () => renderFailoverReport(r, { color: process.stdout.isTTY }));
      } finally {
        abort.dispose();
      }
    });
}
