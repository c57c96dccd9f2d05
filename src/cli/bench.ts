#!/usr/bin/env node
// `npm run bench -- <name> [--json]`: benchmarks write JSON under bench/results/.
// Each benchmark is a plain runner under src/bench/ and a command under
// commands/bench/, listed in bench-commands.ts.
import { BENCH_COMMANDS } from './bench-commands.js';
import { makeContext } from './context.js';
import { buildProgram, runProgram } from './program.js';

const BENCH_PROGRAM = { name: 'bench', description: 'anycast-lab benchmarks; results as JSON under bench/results/' };

async function benchMain(argv: readonly string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(BENCH_PROGRAM, BENCH_COMMANDS, makeContext()), argv);
}

if (process.argv[1] && /src[\\/]cli[\\/]bench\.ts$/.test(process.argv[1])) {
  await benchMain();
  setImmediate(() => process.exit());
}
