// Drives the health state machine: check every `interval` ms, feed the result
// to stepHealth, push BGP to match, record transitions and current state.
// BGP is reconciled rather than fired once: if vtysh fails, the next tick
// tries again, and the first tick announces to match frr.conf even if a
// previous checker died while withdrawn.
import type { BgpControl } from './bgp.js';
import type { ProbeResult } from './health-probe.js';
import type { HealthPolicy, HealthState, TransitionLabel } from './health-state.js';
import { checkPolicy, initialHealthState, stepDrain, stepHealth, wantsAnnounce } from './health-state.js';
import type { Logger } from './log.js';
import { errorFields } from './log.js';

/** The family a checker watches in a dual-stack PoP (one checker, one prefix each). */
export type HealthFamily = 'ipv4' | 'ipv6';

/** One line of POP_PATHS.healthLog. */
export interface HealthLogLine {
  /** Dual-stack PoPs only: whose prefix this line is about. */
  family?: HealthFamily;
  /** Unix ms. */
  ts: number;
  /** CLOCK_MONOTONIC ms (process.hrtime.bigint), comparable with probe samples across containers. */
  tsMono: number;
  state: TransitionLabel | 'start';
  reason: string;
}

/** One family's health state; POP_PATHS.health holds the IPv4 one at the top level (see PopHealthFile). */
export interface HealthFile {
  /** Dual-stack PoPs only: whose prefix this state is about. */
  family?: HealthFamily;
  /** What we last told BGP; null until the first command succeeded. */
  state: 'announced' | 'withdrawn' | null;
  /** Unix ms at which `state` last changed. */
  since: number;
  consecutiveFailures: number;
  /** Round-trip of the last check in ms; null if it failed. */
  lastCheckMs: number | null;
  lastCheckOk: boolean;
  /** Unix ms of the last check. */
  lastCheckAt: number;
  phase: HealthState['phase'];
  /** The operator's drain marker is present: withdrawn whatever the checks say. */
  drained: boolean;
  lastReason?: string;
  bgpError?: string;
}

export interface HealthCheckerDeps {
  check(timeoutMs: number): Promise<ProbeResult>;
  bgp: BgpControl;
  /** CLOCK_MONOTONIC ms. */
  monoMs(): number;
  wallMs(): number;
  writeState(state: HealthFile): Promise<void>;
  appendLog(line: HealthLogLine): Promise<void>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  log: Logger;
  /** Whether the operator's drain marker (POP_PATHS.drain) is present; absent: never drained. */
  drained?(): Promise<boolean>;
}

export interface HealthCheckerOptions {
  /** Stamped on every log line and state: set in dual-stack PoPs, where two checkers share the files. */
  family?: HealthFamily;
  intervalMs: number;
  /** Defaults to the interval: a check never overlaps the next one. */
  timeoutMs?: number;
  policy: HealthPolicy;
  /**
   * Failed checks before the responder first answered, within this many ms
   * of start, are not counted: the checker starts with FRR, alongside a
   * responder that may still be loading on a busy machine, and withdrawing
   * then would cost a hold-down for nothing. Default 0.
   */
  startupGraceMs?: number;
  /**
   * The state file is rewritten when anything but the last check's time and
   * round trip changed, and otherwise at most this often (default 1000 ms).
   * Every write is a create and a rename in the container's overlay file
   * system: at a 200 ms interval that was half of a checker's CPU, and a
   * 100-PoP lab's checkers alone kept a core of this 2-core machine busy
   * (measured in a PoP: 6.5 ms of CPU per second, 3 ms without the writes).
   */
  stateRefreshMs?: number;
}

export interface HealthChecker {
  current(): HealthState;
  /** Resolves once the loop has exited. */
  stop(): Promise<void>;
  done: Promise<void>;
}

export function startHealthChecker(o: HealthCheckerOptions, d: HealthCheckerDeps): HealthChecker {
  const policy = checkPolicy(o.policy);
  const timeoutMs = o.timeoutMs ?? o.intervalMs;
  const abort = new AbortController();
  let state = initialHealthState(d.monoMs());
  let applied: boolean | null = null;
  let appliedSince = d.wallMs();
  let bgpError: string | undefined;
  const stamp = o.family ? { family: o.family } : {};

  const logLine = (label: HealthLogLine['state'], reason: string) =>
    d.appendLog({ ...stamp, ts: d.wallMs(), tsMono: d.monoMs(), state: label, reason }).catch((e) => d.log.error('health log write failed', errorFields(e)));

  async function reconcile(): Promise<void> {
    const want = wantsAnnounce(state);
    if (applied === want) return;
    try {
      await (want ? d.bgp.announce() : d.bgp.withdraw());
      applied = want;
      appliedSince = d.wallMs();
      bgpError = undefined;
    } catch (e) {
      bgpError = (e as Error).message;
      // Waiting for FRR's config at start is expected, not an error worth a log line per tick.
      if ((e as { code?: string }).code !== 'FRR_NOT_READY') d.log.error(want ? 'announce failed' : 'withdraw failed', errorFields(e));
    }
  }

  const startedMs = d.monoMs();
  let seenOk = false;
  const refreshMs = o.stateRefreshMs ?? 1000;
  let written: { key: string; atMs: number } | undefined;

  /** Writes the state file when it says something new, or when the last write is refreshMs old. */
  async function recordState(s: HealthFile): Promise<void> {
    const key = JSON.stringify({ ...s, lastCheckAt: 0, lastCheckMs: 0 });
    const atMs = d.monoMs();
    if (written && written.key === key && atMs - written.atMs < refreshMs) return;
    written = { key, atMs };
    await d.writeState(s).catch((e) => d.log.error('health state write failed', errorFields(e)));
  }

  async function loop(): Promise<void> {
    await logLine('start', `interval ${o.intervalMs} ms, ${policy.failures} failures, hold-down ${policy.holdDownMs} ms`);
    while (!abort.signal.aborted) {
      const started = d.monoMs();
      // The drain first: an operator's withdraw should not wait for a check's timeout.
      const drained = d.drained ? await d.drained().catch(() => state.drained) : false;
      const drain = stepDrain(state, drained);
      if (drain.transition) {
        state = drain.state;
        await reconcile();
        await logLine(drain.transition.label, drain.transition.reason);
      }
      let result: ProbeResult;
      try {
        result = await d.check(timeoutMs);
      } catch (e) {
        result = { ok: false, rttMs: null, reason: `probe error: ${(e as Error).message}` };
      }
      seenOk ||= result.ok;
      const inGrace = !seenOk && d.monoMs() - startedMs < (o.startupGraceMs ?? 0);
      const step = inGrace ? { state, transition: null } : stepHealth(state, { ok: result.ok, atMs: d.monoMs(), reason: result.reason }, policy);
      state = step.state;
      // Withdraw first, log after: the log's timestamp must not delay BGP.
      await reconcile();
      if (step.transition) await logLine(step.transition.label, step.transition.reason);
      await recordState({
        ...stamp,
        state: applied === null ? null : applied ? 'announced' : 'withdrawn',
        since: appliedSince,
        consecutiveFailures: state.consecutiveFailures,
        lastCheckMs: result.rttMs,
        lastCheckOk: result.ok,
        lastCheckAt: d.wallMs(),
        phase: state.phase,
        drained: state.drained,
        ...(result.ok ? {} : { lastReason: result.reason }),
        ...(bgpError ? { bgpError } : {}),
      });
      const wait = started + o.intervalMs - d.monoMs();
      if (wait > 0) await d.sleep(wait, abort.signal);
    }
  }

  const done = loop().catch((e) => d.log.error('health loop crashed', errorFields(e)));
  return {
    current: () => state,
    stop: async () => {
      abort.abort();
      await done;
    },
    done,
  };
}

/**
 * Contents of POP_PATHS.health: the IPv4 state where it always was, so every
 * reader of `state`/`drained` keeps working, and the IPv6 state beside it.
 */
export type PopHealthFile = HealthFile & { ipv6?: HealthFile };

/** Nothing until the IPv4 checker has a state: the file's top level is always a whole IPv4 state. */
export const popHealthFile = (v4: HealthFile | undefined, v6: HealthFile | undefined): PopHealthFile | undefined =>
  v4 && { ...v4, ...(v6 ? { ipv6: v6 } : {}) };

/** setTimeout that resolves early (not rejects) on abort, so stop() is prompt. */
export const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
