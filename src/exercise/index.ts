// Exercises: one folder each under labs/exercises/<id>/ (README.md,
// exercise.yaml), one file of code each here, one line in the list below.
import { LabError } from '../errors.js';
import { asymmetricPath } from './asymmetric-path.js';
import { drainMaintenance } from './drain-maintenance.js';
import type { Exercise } from './exercise.js';
import { identifyPops } from './identify-pops.js';
import { ipv6Catchment } from './ipv6-catchment.js';
import { missingBfd } from './missing-bfd.js';
import { prefixLeak } from './prefix-leak.js';
import { prependCatchment } from './prepend-catchment.js';
import { tcpStream } from './tcp-stream.js';

/** In workshop order (`exercise list`). */
export const EXERCISES: readonly Exercise[] = [
  prependCatchment,
  drainMaintenance,
  tcpStream,
  missingBfd,
  prefixLeak,
  identifyPops,
  asymmetricPath,
  ipv6Catchment,
];

export function exerciseById(id: string | undefined, list: readonly Exercise[] = EXERCISES): Exercise {
  const valid = list.map((e) => e.id).join(', ');
  if (id === undefined) throw new LabError('USAGE', `name an exercise: ${valid}`);
  const e = list.find((x) => x.id === id);
  if (!e) throw new LabError('USAGE', `unknown exercise "${id}"; exercises: ${valid}`);
  return e;
}
