#!/usr/bin/env node
// `npm run lab -- <command>`: builds the program from LAB_COMMANDS and the
// Docker runtime, runs it, and reports any error once (report-error.ts).
import { LAB_COMMANDS } from './lab-commands.js';
import { runAsCli } from './program.js';

export const LAB_PROGRAM = {
  name: 'lab',
  description: 'anycast-lab: FRR anycast PoPs, dns2 responders and failover timing on Docker',
  // `exec` passes everything after the node to the command, flags included.
  positionalOptions: true,
};

await runAsCli(LAB_PROGRAM, LAB_COMMANDS, 'main.ts');
