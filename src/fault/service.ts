// The DNS/HTTP responder freezes (SIGSTOP) while routing stays healthy: only
// the PoP's own health checker can notice, and it withdraws the prefix after
// `health.failures` failed checks `health.interval` apart.
import { POP_PATHS } from '../agent/contract.js';
import { containerName } from '../runtime/labels.js';
import type { FaultMode } from './fault.js';
import { run } from './uplinks.js';

const signalResponder =
  (sig: 'STOP' | 'CONT'): FaultMode['inject'] =>
  async (ctx) => {
    const side = { node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) };
    ctx.progress.step(ctx.pop, `SIG${sig} responder`);
    await run(ctx.rt, side, `SIG${sig} the responder`, ['sh', '-c', `kill -${sig} "$(cat ${POP_PATHS.responderPid})"`]);
  };

export const service: FaultMode = {
  name: 'service',
  summary: 'SIGSTOP the PoP responder (routing fine); the health checker withdraws',
  detection: 'service',
  recreatesNode: false,
  // The sessions stay up: the health checker withdraws, BFD is not involved.
  bfdMatters: false,
  inject: signalResponder('STOP'),
  restore: signalResponder('CONT'),
};
