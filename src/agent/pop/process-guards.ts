// Last line of defence: an unhandled rejection kills Node 20 by default, and a
// PoP that dies on one odd packet is exactly what the fuzzer looks for. Every
// send() promise is caught where it is made; these only log what slipped by.
import type { Logger } from './log.js';
import { errorFields } from './log.js';

export function installProcessGuards(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error('unhandledRejection', errorFields(reason)));
  process.on('uncaughtException', (error) => log.error('uncaughtException', errorFields(error)));
}
