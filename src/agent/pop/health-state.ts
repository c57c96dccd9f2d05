// The health checker's decisions as a pure state machine: check results (with
// monotonic timestamps) in, transitions and BGP actions out. The driver in
// health-checker.ts does the I/O.
//
//   healthy --fail--> failing --(N consecutive fails)--> withdrawn
//      ^                 |ok                                 |ok
//      +-----------------+            recovering <-----------+
//      ^                                 |  \--fail--> withdrawn
//      +----(ok for holdDown ms)---------+   (re-announce)
//
// Hold-down is measured from the first of an unbroken run of good checks, so
// a service that flaps never stays good long enough to be re-announced.
//
// An operator drain (a marker file, see POP_PATHS.drain) sits beside the
// phase: while drained the prefix stays withdrawn whatever the checks say,
// and the checks go on, so undraining a healthy PoP announces at once while
// an unhealthy one still waits for its hold-down.

export type HealthPhase = 'healthy' | 'failing' | 'withdrawn' | 'recovering';

export interface HealthPolicy {
  /** Consecutive failed checks that withdraw the prefix. */
  failures: number;
  /** Continuous healthy time before re-announcing, ms. */
  holdDownMs: number;
}

export interface HealthState {
  phase: HealthPhase;
  consecutiveFailures: number;
  /** Monotonic ms of the first good check of the current run, while recovering. */
  healthySinceMs: number | null;
  /** Monotonic ms at which `phase` was entered. */
  phaseSinceMs: number;
  /** Drained by the operator: withdrawn whatever the phase. */
  drained: boolean;
}

export interface CheckResult {
  ok: boolean;
  /** Monotonic ms at which the check finished. */
  atMs: number;
  /** Why it failed ("timeout", "rcode REFUSED", ...); ignored when ok. */
  reason?: string;
}

/** What goes into the health log: `announced` names the return to healthy that re-announces. */
export type TransitionLabel = 'healthy' | 'failing' | 'withdrawn' | 'recovering' | 'announced' | 'drained' | 'undrained';

export interface Transition {
  from: HealthPhase;
  to: HealthPhase;
  label: TransitionLabel;
  reason: string;
}

export type BgpAction = 'announce' | 'withdraw';

export interface HealthStep {
  state: HealthState;
  transition: Transition | null;
  action: BgpAction | null;
}

export const initialHealthState = (nowMs: number): HealthState => ({
  phase: 'healthy',
  consecutiveFailures: 0,
  healthySinceMs: null,
  phaseSinceMs: nowMs,
  drained: false,
});

/** Whether the prefix should be in BGP in this phase, health alone. */
export const shouldAnnounce = (phase: HealthPhase): boolean => phase === 'healthy' || phase === 'failing';

/** Whether the prefix should be in BGP: healthy enough and not drained. */
export const wantsAnnounce = (s: HealthState): boolean => !s.drained && shouldAnnounce(s.phase);

/** The drain marker appeared or went away; the phase is left to the checks. */
export function stepDrain(s: HealthState, drained: boolean): HealthStep {
  if (s.drained === drained) return { state: s, transition: null, action: null };
  const next = { ...s, drained };
  const healthy = shouldAnnounce(s.phase);
  const reason = drained
    ? 'drained by the operator: withdrawn until the drain marker is removed'
    : healthy
      ? 'drain removed, service healthy: announcing'
      : `drain removed, service ${s.phase}: announcing once healthy`;
  return {
    state: next,
    transition: { from: s.phase, to: s.phase, label: drained ? 'drained' : 'undrained', reason },
    action: healthy ? (drained ? 'withdraw' : 'announce') : null,
  };
}

export function checkPolicy(p: HealthPolicy): HealthPolicy {
  if (!Number.isInteger(p.failures) || p.failures < 1) throw new RangeError(`Expected \`failures\` to be a positive integer, got ${p.failures}`);
  if (!Number.isFinite(p.holdDownMs) || p.holdDownMs < 0) throw new RangeError(`Expected \`holdDownMs\` to be a non-negative number, got ${p.holdDownMs}`);
  return p;
}

export function stepHealth(s: HealthState, r: CheckResult, p: HealthPolicy): HealthStep {
  const stay = (patch: Partial<HealthState>): HealthStep => ({ state: { ...s, ...patch }, transition: null, action: null });
  const go = (to: HealthPhase, label: TransitionLabel, reason: string, patch: Partial<HealthState>, action: BgpAction | null = null): HealthStep => ({
    state: { ...s, ...patch, phase: to, phaseSinceMs: r.atMs },
    transition: { from: s.phase, to, label, reason },
    // While drained the prefix stays withdrawn: health changes move no route.
    action: s.drained ? null : action,
  });
  const failures = r.ok ? 0 : s.consecutiveFailures + 1;
  const why = r.reason ?? 'check failed';

  switch (s.phase) {
    case 'healthy':
    case 'failing':
      if (r.ok) {
        return s.phase === 'failing'
          ? go('healthy', 'healthy', `check ok after ${s.consecutiveFailures} failure(s)`, { consecutiveFailures: 0 })
          : stay({ consecutiveFailures: 0 });
      }
      if (failures >= p.failures) {
        return go(
          'withdrawn',
          'withdrawn',
          `${failures} consecutive failures, last: ${why}`,
          { consecutiveFailures: failures, healthySinceMs: null },
          'withdraw',
        );
      }
      return s.phase === 'healthy' ? go('failing', 'failing', why, { consecutiveFailures: failures }) : stay({ consecutiveFailures: failures });

    case 'withdrawn':
      if (!r.ok) return stay({ consecutiveFailures: failures });
      if (p.holdDownMs <= 0) return go('healthy', 'announced', 'check ok, no hold-down', { consecutiveFailures: 0, healthySinceMs: null }, 'announce');
      return go('recovering', 'recovering', `check ok, holding down ${p.holdDownMs} ms`, { consecutiveFailures: 0, healthySinceMs: r.atMs });

    case 'recovering': {
      if (!r.ok) return go('withdrawn', 'withdrawn', `failed during hold-down: ${why}`, { consecutiveFailures: failures, healthySinceMs: null });
      const healthyFor = r.atMs - (s.healthySinceMs ?? r.atMs);
      if (healthyFor >= p.holdDownMs) {
        return go(
          'healthy',
          'announced',
          `healthy for ${Math.round(healthyFor)} ms (hold-down ${p.holdDownMs} ms)`,
          { consecutiveFailures: 0, healthySinceMs: null },
          'announce',
        );
      }
      return stay({ consecutiveFailures: 0 });
    }
  }
}
