// One measurement from a client. Times are CLOCK_MONOTONIC milliseconds read
// with process.hrtime.bigint(): containers share the host kernel's clocks (no
// time namespace), so a client's `sentMs` compares directly with the
// orchestrator's fault time.

export type ProbeKind = 'udp-dns' | 'tcp-dns' | 'http' | 'stream';
/** The address family a probe went over; the same strings as the model's `Family` (the agent may not import the model). */
export type SampleFamily = 'ipv4' | 'ipv6';
export type Outcome = 'ok' | 'timeout' | 'reset' | 'refused' | 'unreachable' | 'error' | 'closed';

/**
 * Kind "stream": an ok sample is one line from the server; any other outcome
 * is the end of that connection (the agent then reconnects with conn+1).
 */
export interface Sample {
  client: string;
  kind: ProbeKind;
  /**
   * Request/response kinds: the schedule slot index (slot k is due at
   * start + k*interval), so a slot the agent had to skip shows up as a gap.
   * Streams: a per-stream counter over lines and end events.
   */
  seq: number;
  /** Long-lived stream index (kind "stream" only). */
  stream?: number;
  /** Stream only: connection number of this stream (0, 1, … after each reconnect). */
  conn?: number;
  /** Stream only: the `seq=` the server wrote, to see lines lost inside one connection. */
  serverSeq?: number;
  /**
   * When the probe left. Stream lines: when the line arrived. Stream end
   * events: the last sign of life (last line, or the connect attempt).
   */
  sentMs: number;
  recvMs?: number;
  rttMs?: number;
  /** PoP id that answered (ok outcomes). */
  pop?: string;
  outcome: Outcome;
  detail?: string;
  /**
   * Written by an agent that probes both families; absent = ipv4 (an
   * IPv4-only agent writes no family, so result files from before dual-stack
   * and [ipv4] labs read the same). Use familyOf().
   */
  family?: SampleFamily;
}

export const familyOf = (s: Pick<Sample, 'family'>): SampleFamily => s.family ?? 'ipv4';

/** The samples of one family, in order. */
export const samplesOf = <S extends Pick<Sample, 'family'>>(samples: readonly S[], family: SampleFamily): S[] => samples.filter((s) => familyOf(s) === family);

/** Counters for one request/response probe kind. */
export interface KindSummary {
  intervalMs: number;
  sent: number;
  ok: number;
  failed: number;
  /** Schedule slots skipped because the agent woke up more than one interval late. */
  skipped: number;
  targetPerS: number;
  achievedPerS: number;
}

/** The last line the probe agent prints before it exits. */
export interface ProbeSummary {
  type: 'summary';
  client: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  stopReason: string;
  probes: Partial<Record<Exclude<ProbeKind, 'stream'>, KindSummary>>;
  /** `badLines`: lines that did not parse as `pop=… seq=…` (not samples). */
  streams: { count: number; connects: number; lines: number; badLines: number; ends: Partial<Record<Outcome, number>> };
  /** Sample lines written before this summary. */
  samples: number;
  /** UDP answers that arrived after their probe had timed out, or with an unknown id. */
  lateAnswers: number;
  /** Dual-stack agents: the IPv6 probers' counters (the fields above are IPv4's). */
  ipv6?: Pick<ProbeSummary, 'probes' | 'streams' | 'lateAnswers'>;
  /** CPU time the agent used (user + system), to check it stays light next to 3 other clients. */
  cpuMs: number;
}

export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;
