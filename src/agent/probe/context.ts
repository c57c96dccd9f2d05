import type { ProbeConfig } from '../../contract/probe-config.js';
import type { KindSummary, Sample } from '../../contract/sample.js';
import type { FixedRate } from './schedule.js';

/** What every prober gets: the config, the clock and where samples go. */
export interface ProbeContext {
  config: ProbeConfig;
  now: () => number;
  emit: (s: Sample) => void;
}

/** A running request/response prober. */
export interface Prober {
  /** Stop scheduling new probes; in-flight ones still finish. */
  stop(): void;
  /** Resolves when in-flight probes have finished (or after the deadline); releases sockets. */
  finish(deadlineMs: number): Promise<void>;
  summary(): KindSummary;
  /** UDP only: answers that came after their probe timed out. */
  lateAnswers?(): number;
}

/** Counters shared by the request/response probers. */
export class KindCounters {
  sent = 0;
  ok = 0;
  failed = 0;

  record(s: Sample): void {
    if (s.outcome === 'ok') this.ok++;
    else this.failed++;
  }

  summary(intervalMs: number, schedule: FixedRate | undefined): KindSummary {
    const st = schedule?.stats();
    const activeS = st ? ((st.stopMs ?? st.startMs) - st.startMs) / 1000 : 0;
    return {
      intervalMs,
      sent: this.sent,
      ok: this.ok,
      failed: this.failed,
      skipped: st?.skipped ?? 0,
      targetPerS: intervalMs > 0 ? 1000 / intervalMs : 0,
      achievedPerS: activeS > 0 ? round2(this.sent / activeS) : 0,
    };
  }
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
