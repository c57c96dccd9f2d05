#!/usr/bin/env node
// `npm run bench -- <name> [--json]`: benchmarks write JSON under bench/results/.
// Each benchmark is a plain runner under src/bench/ and a command under
// commands/bench/, listed in bench-commands.ts.
import { BENCH_COMMANDS } from './bench-commands.js';
import { runAsCli } from './program.js';

const BENCH_PROGRAM = { name: 'bench', description: 'anycast-lab benchmarks; results as JSON under bench/results/' };

await runAsCli(BENCH_PROGRAM, BENCH_COMMANDS, 'bench.ts');
