// Fixed-rate ticks on an absolute monotonic grid: slot k is due at
// start + k*interval. setInterval re-arms relative to when the callback ran, so
// every late wake-up (GC, a busy core) shifts all later probes; over a minute
// at 100/s that drift is visible. Here lateness never accumulates.

export interface FixedRate {
  stop(): void;
  /** Slots fired and skipped so far; start/stop times for the achieved rate. */
  stats(): { fired: number; skipped: number; startMs: number; stopMs?: number };
}

/**
 * Slots that came due while the process was not running are fired late, at
 * once, up to this many; older ones are skipped. On a loaded 2-core host we
 * measured wake-ups up to ~12 ms late (load 5), which would otherwise lose a
 * 10 ms slot now and then; a real stall (container frozen, long GC) should
 * show as a gap rather than a burst of stale probes.
 */
const MAX_CATCH_UP = 5;

export function startFixedRate(opts: { intervalMs: number; now: () => number; onTick: (slot: number) => void }): FixedRate {
  const { intervalMs, now, onTick } = opts;
  const startMs = now();
  let slot = 0;
  let fired = 0;
  let skipped = 0;
  let stopMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;

  const arm = (): void => {
    timer = setTimeout(fire, Math.max(0, startMs + slot * intervalMs - now()));
  };
  const fire = (): void => {
    if (stopMs !== undefined) return;
    // Node's timers run on libuv's cached ms clock and can fire a fraction of
    // a ms before the hrtime due time; the slot is due anyway.
    const due = Math.max(slot, Math.floor((now() - startMs) / intervalMs));
    if (due - slot >= MAX_CATCH_UP) {
      // Skipped slot numbers stay visible as gaps in `seq`.
      skipped += due - slot - MAX_CATCH_UP + 1;
      slot = due - MAX_CATCH_UP + 1;
    }
    while (slot <= due && stopMs === undefined) {
      fired++;
      onTick(slot++);
    }
    arm();
  };
  arm();
  return {
    stop() {
      if (stopMs !== undefined) return;
      stopMs = now();
      clearTimeout(timer);
    },
    stats: () => ({ fired, skipped, startMs, stopMs }),
  };
}
