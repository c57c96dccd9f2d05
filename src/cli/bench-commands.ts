// Every `bench` command: one file each under commands/bench/, one line here.
import type { CliCommand } from './command.js';
import { bfdRemedyBenchCommand } from './commands/bench/bfd-remedy.js';
import { cliBenchCommand } from './commands/bench/cli.js';
import { failoverBenchCommand } from './commands/bench/failover.js';
import { placementBenchCommand } from './commands/bench/placement.js';
import { reportBenchCommand } from './commands/bench/report.js';
import { responderBenchCommand } from './commands/bench/responder.js';
import { soakBenchCommand } from './commands/bench/soak.js';
import { swarmBenchCommand } from './commands/bench/swarm.js';
import { upBenchCommand } from './commands/bench/up.js';

export const BENCH_COMMANDS: readonly CliCommand[] = [
  responderBenchCommand,
  failoverBenchCommand,
  upBenchCommand,
  soakBenchCommand,
  bfdRemedyBenchCommand,
  cliBenchCommand,
  swarmBenchCommand,
  placementBenchCommand,
  reportBenchCommand,
];
