// One `up` per lab at a time. Two runs on one lab would each create, check
// and roll back the other's containers; the second one is refused, naming
// the first. A lock left by a killed run (its pid is gone) is taken over.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { procStatFields } from '../util/proc-stat.js';

const LOCK_DIR = join(tmpdir(), 'anycast-lab-locks');

/** `<pid> <start time>` of a process from /proc (Linux), so a reused pid is not mistaken for the holder. */
function procIdentity(pid: number): { start: string; zombie: boolean } | undefined {
  try {
    const fields = procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // Field 3 is the state, field 22 the start time.
    return { start: fields[22 - 3], zombie: fields[0] === 'Z' || fields[0] === 'X' };
  } catch {
    return undefined;
  }
}

/**
 * A SIGKILLed holder can linger as a zombie until something reaps it, and its
 * pid can be reused: alive means the same process (start time) and not dead.
 */
function alive(pid: number, start: string | undefined): boolean {
  const id = procIdentity(pid);
  if (id) return !id.zombie && (start === undefined || id.start === start);
  try {
    process.kill(pid, 0); // no /proc: the best we can do
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lab's lock or throws; returns the release function. */
export function lockLab(lab: string, what: string, dir = LOCK_DIR): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${lab}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid} ${what} ${procIdentity(process.pid)?.start ?? ''}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pid, holder = '?', start] = readFileSync(path, 'utf8').trim().split(' ');
      if (Number(pid) > 0 && Number(pid) !== process.pid && alive(Number(pid), start || undefined)) {
        throw new LabError('LAB_BUSY', `lab "${lab}" is busy: \`${holder}\` is running on it (pid ${pid}); wait for it, or stop it (Ctrl-C rolls back what it created)`);
      }
      rmSync(path, { force: true }); // left by a run that was killed
    }
  }
  throw new LabError('LAB_BUSY', `could not lock lab "${lab}" (${path})`);
}
