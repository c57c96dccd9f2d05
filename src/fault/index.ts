// Fault modes: one file each, one line in the list below (plus its import).
import { LabError } from '../errors.js';
import type { Family, Lab } from '../topology/model.js';
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

/**
 * A fault aimed at one family needs a mode that can aim and a lab that runs
 * that family beside another (in a single-stack lab the PoP as a whole is the
 * one family: leave the flag off). `flag` is the option's name in the message
 * (break says --family, failover --fault-family).
 */
export function checkFaultFamily(mode: FaultMode, lab: Pick<Lab, 'name' | 'families'>, family: Family | undefined, flag = '--family'): void {
  if (family === undefined) return;
  const aimable = FAULT_MODES.filter((m) => m.perFamily).map((m) => m.name);
  if (!mode.perFamily) throw new LabError('USAGE', `fault mode "${mode.name}" hits every family at once; ${flag} works with ${aimable.join(', ')}`);
  if (!lab.families.includes(family) || lab.families.length < 2) {
    throw new LabError('USAGE', `lab "${lab.name}" runs ${lab.families.join(' and ')} only: ${flag} ${family} needs a dual-stack lab (families: [ipv4, ipv6])`);
  }
}

export function faultMode(name: string): FaultMode {
  const mode = FAULT_MODES.find((m) => m.name === name);
  if (!mode) throw new LabError('USAGE', `unknown fault mode "${name}"; supported: ${FAULT_MODES.map((m) => m.name).join(', ')}`);
  return mode;
}
