// A lock file naming the process that holds it: `<pid> <note> <start time>`.
// Shared by the per-lab `up` lock and the per-image build lock. A file whose
// process is gone (a SIGKILLed run) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { procStatFields } from './proc-stat.js';

/** Start time and state of a process from /proc (Linux), so a reused pid is not mistaken for the holder. */
export function procIdentity(pid: number): { start: string; zombie: boolean } | undefined {
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
export function processAlive(pid: number, start: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const id = procIdentity(pid);
  if (id) return !id.zombie && (start === undefined || id.start === start);
  try {
    process.kill(pid, 0); // no /proc: the best we can do
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLockHolder {
  pid: number;
  /** One word the holder wrote, e.g. the command it runs. */
  note: string;
}

export type PidLockResult = { release: () => void } | { holder: PidLockHolder };

/** Takes `path` for this process, or names the live process holding it. `note` must be one word. */
export function tryPidLock(path: string, note: string): PidLockResult {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid} ${note} ${procIdentity(process.pid)?.start ?? ''}\n`);
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our open and read
    }
    const [pid, holder = '?', start] = text.trim().split(' ');
    if (Number(pid) > 0 && Number(pid) !== process.pid && processAlive(Number(pid), start || undefined)) return { holder: { pid: Number(pid), note: holder } };
    rmSync(path, { force: true }); // left by a run that was killed
  }
  return { holder: { pid: 0, note: '?' } };
}
