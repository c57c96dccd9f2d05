// Fault modes: one file each, one line in the list below (plus its import).
import { LabError } from '../errors.js';
import { bgp } from './bgp.js';
import { cut } from './cut.js';
import type { FaultMode } from './fault.js';
import { freeze } from './freeze.js';
import { kill } from './kill.js';
import { service } from './service.js';
import { silent } from './silent.js';
import { throttle } from './throttle.js';

export type { FaultContext, FaultMode } from './fault.js';

/** In `--help` order. */
export const FAULT_MODES: readonly FaultMode[] = [cut, silent, freeze, kill, bgp, service, throttle];

export function faultMode(name: string): FaultMode {
  const mode = FAULT_MODES.find((m) => m.name === name);
  if (!mode) throw new LabError('USAGE', `unknown fault mode "${name}"; supported: ${FAULT_MODES.map((m) => m.name).join(', ')}`);
  return mode;
}
