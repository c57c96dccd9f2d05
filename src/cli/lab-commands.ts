// Every `lab` command, in the order --help lists them: one file each under
// commands/, one line here.
import type { CliCommand } from './command.js';
import { breakCommand, restoreCommand } from './commands/break.js';
import { checkpointCommand } from './commands/checkpoint.js';
import { classroomCommand } from './commands/classroom.js';
import { collectorCommand } from './commands/collector.js';
import { composeCommand } from './commands/compose.js';
import { doctorCommand } from './commands/doctor.js';
import { downCommand } from './commands/down.js';
import { announceCommand, withdrawCommand } from './commands/drain.js';
import { execCommand } from './commands/exec.js';
import { exerciseCommand } from './commands/exercise.js';
import { failoverCommand } from './commands/failover.js';
import { floodCommand } from './commands/flood.js';
import { genCommand } from './commands/gen.js';
import { hostsCommand } from './commands/hosts.js';
import { lgCommand } from './commands/lg.js';
import { packCommand } from './commands/pack.js';
import { planCommand } from './commands/plan.js';
import { policyCommand } from './commands/policy.js';
import { shellCommand } from './commands/shell.js';
import { statusCommand } from './commands/status.js';
import { traceCommand } from './commands/trace.js';
import { upCommand } from './commands/up.js';
import { verifyCommand } from './commands/verify.js';
import { vtyshCommand } from './commands/vtysh.js';
import { webCommand } from './commands/web.js';
import { whoCommand } from './commands/who.js';

export const LAB_COMMANDS: readonly CliCommand[] = [
  upCommand,
  planCommand,
  downCommand,
  statusCommand,
  execCommand,
  vtyshCommand,
  shellCommand,
  lgCommand,
  collectorCommand,
  doctorCommand,
  hostsCommand,
  composeCommand,
  whoCommand,
  traceCommand,
  policyCommand,
  withdrawCommand,
  announceCommand,
  breakCommand,
  restoreCommand,
  failoverCommand,
  verifyCommand,
  floodCommand,
  exerciseCommand,
  checkpointCommand,
  genCommand,
  webCommand,
  classroomCommand,
  packCommand,
];
