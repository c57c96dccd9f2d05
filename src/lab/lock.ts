// One `up` per lab at a time. Two runs on one lab would each create, check
// and roll back the other's containers; the second one is refused, naming
// the first. A lock left by a killed run (its pid is gone) is taken over.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { tryPidLock } from '../util/pid-lock.js';

const LOCK_DIR = join(tmpdir(), 'anycast-lab-locks');

/** Takes the lab's lock or throws; returns the release function. */
export function lockLab(lab: string, what: string, dir = LOCK_DIR): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${lab}.lock`);
  const r = tryPidLock(path, what);
  if ('release' in r) return r.release;
  if (r.holder.pid > 0) {
    throw new LabError(
      'LAB_BUSY',
      `lab "${lab}" is busy: \`${r.holder.note}\` is running on it (pid ${r.holder.pid}); wait for it, or stop it (Ctrl-C rolls back what it created)`,
    );
  }
  throw new LabError('LAB_BUSY', `could not lock lab "${lab}" (${path})`);
}
