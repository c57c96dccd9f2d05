// Token buckets for the board's POSTs: one per attendee and one for the whole
// room. Pure apart from the clock it is handed, so tests drive time by hand.

export interface Bucket {
  /** Requests allowed at once. */
  burst: number;
  /** Tokens back per second. */
  perSecond: number;
}

/**
 * An attendee's lab sends one event per command (a check, a hint): a few a
 * minute. 10 at once and 1/s leaves a scripted `check` loop room while a
 * runaway one is cut off. The room: 30 attendees all checking in the same
 * second is 30 posts; 300 at once and 100/s is ten times that, and still a
 * trickle for the server (a post is a schema check and a small object copy).
 */
export const PER_ATTENDEE: Bucket = { burst: 10, perSecond: 1 };
export const GLOBAL: Bucket = { burst: 300, perSecond: 100 };
/** Buckets kept per key: beyond it the fullest (idle longest) are forgotten. */
const MAX_KEYS = 2000;

export type Verdict = { ok: true } | { ok: false; retryAfterS: number };

export interface RateLimiter {
  take(key: string, nowMs: number): Verdict;
}

export function rateLimiter(b: Bucket): RateLimiter {
  const state = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, nowMs) {
      const s = state.get(key) ?? { tokens: b.burst, at: nowMs };
      const tokens = Math.min(b.burst, s.tokens + ((nowMs - s.at) / 1000) * b.perSecond);
      if (tokens < 1) {
        state.set(key, { tokens, at: nowMs });
        return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / b.perSecond)) };
      }
      state.set(key, { tokens: tokens - 1, at: nowMs });
      if (state.size > MAX_KEYS) {
        const oldest = [...state.entries()].sort((x, y) => x[1].at - y[1].at)[0];
        state.delete(oldest[0]);
      }
      return { ok: true };
    },
  };
}
