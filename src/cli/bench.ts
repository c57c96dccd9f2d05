#!/usr/bin/env node
// `npm run bench -- <name> [--json]`: benchmarks write JSON under bench/results/.
// Each benchmark is one file registering itself in bench-extensions.ts.
import { Command } from 'commander';
import { join } from 'node:path';
import { REPO_ROOT } from '../agent/build.js';
import { LabError } from '../errors.js';
import { benchExtensions } from './bench-extensions.js';
import { makeContext } from './main.js';

export const BENCH_RESULTS = join(REPO_ROOT, 'bench', 'results');

export async function benchMain(argv = process.argv): Promise<void> {
  const program = new Command('bench').description('anycast-lab benchmarks; results as JSON under bench/results/').showHelpAfterError();
  const ctx = makeContext();
  for (const extend of benchExtensions) extend(program, ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(err instanceof LabError ? `error [${err.code}]: ${err.message}\n` : `error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && /src[\\/]cli[\\/]bench\.ts$/.test(process.argv[1])) {
  await benchMain();
  setImmediate(() => process.exit());
}
