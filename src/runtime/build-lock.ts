// One build per image at a time across processes (e.g. two test runs): the
// second waits for the first and then uses its image instead of building it
// again. A lock whose process died (a killed build) is taken over.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryPidLock } from '../util/pid-lock.js';
import { waitUntil } from '../util/wait.js';
import { ImageBuildError, throwIfAborted } from './image-build-error.js';
import type { ImageKind } from './image-specs.js';

// A cold build takes ~20-40 s; a waiter gives up well after any sane build.
const LOCK_DEADLINE_MS = 15 * 60_000;
const LOCK_POLL_MS = 1_000;

export interface BuildLockOptions {
  kind: ImageKind;
  hash: string;
  /** True once the image exists: whoever held the lock has built it. */
  built: () => Promise<boolean>;
  /** Called once, when another process is found building. */
  onWait: (holderPid: number) => void;
  signal?: AbortSignal;
  dir?: string;
  deadlineMs?: number;
  pollMs?: number;
}

/** Returns a release function, or null when another process built the image while we waited. */
export async function acquireBuildLock(o: BuildLockOptions): Promise<(() => void) | null> {
  const path = join(o.dir ?? tmpdir(), `anycast-lab-image-${o.kind}-${o.hash}.lock`);
  const deadlineMs = o.deadlineMs ?? LOCK_DEADLINE_MS;
  let holder = 0;
  let got: { release: () => void } | 'built' | undefined;
  try {
    got = await waitUntil(
      async () => {
        throwIfAborted(o.signal, o.kind);
        // After a wait, the image first: the holder may have built it and gone.
        if (holder && (await o.built())) return 'built' as const;
        const r = tryPidLock(path, 'build');
        if ('release' in r) return r;
        if (!holder) o.onWait(r.holder.pid);
        holder = r.holder.pid;
        return undefined;
      },
      { timeoutMs: deadlineMs, intervalMs: o.pollMs ?? LOCK_POLL_MS, signal: o.signal },
    );
  } catch (err) {
    if (err instanceof ImageBuildError) throw err;
    throwIfAborted(o.signal, o.kind);
    throw err;
  }
  if (got === undefined) {
    throw new ImageBuildError('LOCK_TIMEOUT', `pid ${holder} has held ${path} for over ${deadlineMs / 60_000} min; kill it or remove the file`, {
      image: o.kind,
    });
  }
  return got === 'built' ? null : got.release;
}
