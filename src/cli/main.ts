#!/usr/bin/env node
// `npm run lab -- <command>`: builds the program from LAB_COMMANDS and the
// Docker runtime, runs it, and reports any error once (report-error.ts).
import { makeContext } from './context.js';
import { LAB_COMMANDS } from './lab-commands.js';
import { buildProgram, runProgram } from './program.js';

export const LAB_PROGRAM = {
  name: 'lab',
  description: 'anycast-lab: FRR anycast PoPs, dns2 responders and failover timing on Docker',
  // `exec` passes everything after the node to the command, flags included.
  positionalOptions: true,
};

async function main(argv: readonly string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(LAB_PROGRAM, LAB_COMMANDS, makeContext()), argv);
}

const invokedDirectly = process.argv[1] && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  await main();
  // dockerode keeps sockets alive; the CLI is done once the command is.
  setImmediate(() => process.exit());
}
