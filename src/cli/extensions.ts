// Commands registered by later stages (who, failover, compose …): one file per
// command, one line here.
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { registerCompose } from './compose.js';
import { registerWho } from './who.js';
import { registerFailover } from './failover.js';
import { registerGen } from './gen.js';

export type CommandExtension = (program: Command, ctx: CliContext) => void;

export const commandExtensions: CommandExtension[] = [
  registerCompose,
  registerWho,
  registerFailover,
  registerGen,
];
