// Failover numbers from probe samples: plain data in, plain data out, no clock.
// All instants are CLOCK_MONOTONIC ms, the same clock as the fault time.
// Answer times use recvMs (when the client *saw* the answer); probe counts use
// sentMs (when the question left).

import type { Outcome, ProbeKind, Sample } from '../probe/sample.js';

export type RequestKind = Exclude<ProbeKind, 'stream'>;

/**
 * Every client is judged, not only the ones on the failed PoP:
 * moved: expected to move (it was on the failed PoP), and did, once.
 * stayed-ok: not expected to move, never changed PoP, and never lost more than
 *   one probe in a row.
 * collateral: not expected to move, but lost answers (two or more probes in a
 *   row) or changed PoP: the fault hurt a client it should not touch.
 * flapped: more than one PoP change while judged.
 * lost: answered before the fault, never after.
 * not-moved: expected to move, but the failed PoP kept (or went back to)
 *   answering and no other PoP did.
 * no-baseline: no answer before the fault, nothing to compare with.
 * Without `failedPop`, a client that moved is judged as a mover, any other
 * as one expected to stay.
 */
export type ClientStatus = 'moved' | 'stayed-ok' | 'collateral' | 'flapped' | 'lost' | 'not-moved' | 'no-baseline';

export const CLIENT_STATUSES: readonly ClientStatus[] = ['moved', 'stayed-ok', 'collateral', 'flapped', 'lost', 'not-moved', 'no-baseline'];

export interface AnalyzeClientOptions {
  faultMs: number;
  restoreMs?: number;
  /** The PoP the client is on before the fault; default: whoever answered last before faultMs. */
  fromPop?: string;
  /** The PoP the fault hit: a client on it is expected to move, every other to stay. */
  failedPop?: string;
  kind: RequestKind;
  /** How long after the first new-PoP answer the outage window extends (default 1000 ms), to catch flapping. */
  settleMs?: number;
}

export interface ClientFailover {
  client: string;
  kind: RequestKind;
  status: ClientStatus;
  /** The client was on the failed PoP (or, without failedPop, moved). */
  expectedToMove: boolean;
  fromPop: string | null;
  toPop: string | null;
  /** recvMs of the last answer from fromPop before the move (may be after the fault). */
  lastOldMs: number | null;
  /** recvMs of the first answer from another PoP after the fault. */
  firstNewMs: number | null;
  /** firstNewMs − lastOldMs: what the client experienced as "no PoP". */
  failoverMs: number | null;
  /** firstNewMs − faultMs: detection + convergence as seen from this client. */
  detectMs: number | null;
  /**
   * Longest time without an answer because answers were lost: the longest
   * gap between consecutive ok answers in the judged window that holds at
   * least one failed probe, or the open gap after the last answer. Gaps
   * where the agent simply sent nothing (a late wake-up on a busy machine)
   * are not outages; `maxGapMs` has them. 0: nothing was lost.
   * Window: [fault, first new answer + settle] for a mover; [fault, last
   * probe] for everyone else (failback included: it can hurt them too).
   */
  outageMs: number | null;
  /** Longest gap between consecutive ok answers in the window, lost probes or not. */
  maxGapMs: number | null;
  /** Movers: failed probes between the last old and first new answer. Others: failed probes in the window. */
  lostProbes: number;
  /** The longest run of consecutive failed probes in the window. */
  maxLostRun: number;
  /** Every failed probe sent in [fault, window end]. */
  failedAfterFault: number;
  /** PoP changes between consecutive ok answers: until restore for a mover (its failback is measured apart), to the last probe for the others. */
  popChanges: number;
  /** The answering PoP, each change once: from the last answer before the fault to the last probe, e.g. fra → iad → fra. */
  popSequence: string[];
  /** restoreMs → first answer from fromPop again; null if it never came back, absent if not applicable. */
  failbackMs?: number | null;
  /** Longest gap in ok answers around the failback. */
  failbackOutageMs?: number | null;
}

const DEFAULT_SETTLE_MS = 1000;

interface Answer {
  pop: string;
  recvMs: number;
  sentMs: number;
}

export function analyzeClient(samples: Sample[], opts: AnalyzeClientOptions): ClientFailover {
  const { faultMs, restoreMs, kind } = opts;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const probes = samples.filter((s) => s.kind === kind).sort((a, b) => a.sentMs - b.sentMs);
  const answers: Answer[] = probes
    .filter((s): s is Sample & { pop: string; recvMs: number } => s.outcome === 'ok' && s.pop !== undefined && s.recvMs !== undefined)
    .map((s) => ({ pop: s.pop, recvMs: s.recvMs, sentMs: s.sentMs }))
    .sort((a, b) => a.recvMs - b.recvMs);
  const lastProbeMs = probes.length > 0 ? probes[probes.length - 1].sentMs : faultMs;
  const failedProbes = probes.filter((s) => s.outcome !== 'ok');

  const base: ClientFailover = {
    client: samples[0]?.client ?? '?',
    kind,
    status: 'no-baseline',
    expectedToMove: false,
    fromPop: null,
    toPop: null,
    lastOldMs: null,
    firstNewMs: null,
    failoverMs: null,
    detectMs: null,
    outageMs: null,
    maxGapMs: null,
    lostProbes: 0,
    maxLostRun: 0,
    failedAfterFault: 0,
    popChanges: 0,
    popSequence: [],
  };
  const fromPop = opts.fromPop ?? lastBefore(answers, faultMs)?.pop;
  if (fromPop === undefined || !answers.some((a) => a.pop === fromPop && a.recvMs <= faultMs)) return base;
  const after = answers.filter((a) => a.recvMs >= faultMs);
  const firstNew = after.find((a) => a.pop !== fromPop);
  const lastOld = lastMatching(answers, (a) => a.pop === fromPop && (firstNew === undefined || a.recvMs <= firstNew.recvMs));
  const expectedToMove = opts.failedPop !== undefined ? fromPop === opts.failedPop : firstNew !== undefined;

  const windowEnd = expectedToMove ? (firstNew ? firstNew.recvMs + settleMs : Math.min(restoreMs ?? Infinity, lastProbeMs)) : lastProbeMs;
  const failed = (from: number, to: number): number => failedProbes.filter((s) => s.sentMs > from && s.sentMs < to).length;
  const lostFrom = lastOld ? lastOld.sentMs : faultMs;
  const lostTo = firstNew ? firstNew.sentMs : windowEnd;
  const changesUntil = expectedToMove && restoreMs !== undefined ? restoreMs : Infinity;
  const failedAfterFault = failed(faultMs, windowEnd + 1e-9);

  const result: ClientFailover = {
    ...base,
    expectedToMove,
    fromPop,
    lastOldMs: lastOld?.recvMs ?? null,
    outageMs: longestLossGap(answers, failedProbes, faultMs, windowEnd, lastProbeMs),
    maxGapMs: longestGap(answers, faultMs, windowEnd, lastProbeMs),
    lostProbes: expectedToMove ? failed(lostFrom, lostTo) : failedAfterFault,
    maxLostRun: longestRun(probes, faultMs, windowEnd),
    failedAfterFault,
    popChanges: countChanges(answers, faultMs, changesUntil),
    popSequence: popSequence(answers, faultMs),
  };
  if (firstNew) {
    Object.assign(result, {
      toPop: firstNew.pop,
      firstNewMs: firstNew.recvMs,
      failoverMs: lastOld ? firstNew.recvMs - lastOld.recvMs : null,
      detectMs: firstNew.recvMs - faultMs,
    });
    if (expectedToMove && restoreMs !== undefined) {
      const back = answers.find((a) => a.pop === fromPop && a.recvMs >= restoreMs);
      result.failbackMs = back ? back.recvMs - restoreMs : null;
      result.failbackOutageMs = longestGap(answers, restoreMs, back ? back.recvMs + settleMs : lastProbeMs, lastProbeMs);
    }
  }
  result.status = judge(result, after.length > 0);
  return result;
}

function judge(r: ClientFailover, answeredAfterFault: boolean): ClientStatus {
  if (!answeredAfterFault) return 'lost';
  if (r.popChanges > 1) return 'flapped';
  if (r.expectedToMove) return r.firstNewMs !== null ? 'moved' : 'not-moved';
  return r.popChanges === 0 && r.maxLostRun <= 1 ? 'stayed-ok' : 'collateral';
}

/**
 * Longest gap between consecutive answers overlapping [from, to] with a
 * failed probe sent inside it; an open gap after the last answer counts when
 * probes failed in it, to `to` capped at the last probe sent.
 */
function longestLossGap(answers: Answer[], failedProbes: Sample[], from: number, to: number, lastProbeMs: number): number | null {
  if (answers.length === 0) return null;
  const lostBetween = (a: number, b: number) => failedProbes.some((s) => s.sentMs > a && s.sentMs < b);
  let longest = 0;
  for (let i = 1; i < answers.length; i++) {
    const prev = answers[i - 1];
    const cur = answers[i];
    if (cur.recvMs > from && prev.recvMs < to && lostBetween(prev.sentMs, cur.sentMs)) longest = Math.max(longest, cur.recvMs - prev.recvMs);
  }
  const last = answers[answers.length - 1];
  const openEnd = Math.min(to, lastProbeMs);
  if (last.recvMs < openEnd && openEnd > from && lostBetween(last.sentMs, Infinity)) longest = Math.max(longest, openEnd - last.recvMs);
  return longest;
}

/** Most consecutive failed probes sent in [from, to]. */
function longestRun(probes: Sample[], from: number, to: number): number {
  let run = 0;
  let longest = 0;
  for (const p of probes) {
    if (p.sentMs < from || p.sentMs > to) continue;
    run = p.outcome === 'ok' ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

function popSequence(answers: Answer[], from: number): string[] {
  const start = lastBefore(answers, from);
  const seq = start ? [start.pop] : [];
  for (const a of answers) if (a.recvMs > from && a.pop !== seq[seq.length - 1]) seq.push(a.pop);
  return seq;
}

/**
 * Longest interval between consecutive answers that overlaps [from, to]. If
 * the last answer is before `to`, the open gap runs to `to` capped at the
 * last probe sent (we cannot know about silence after we stopped asking).
 */
function longestGap(answers: Answer[], from: number, to: number, lastProbeMs: number): number | null {
  if (answers.length === 0) return null;
  let longest = 0;
  for (let i = 1; i < answers.length; i++) {
    const prev = answers[i - 1].recvMs;
    const cur = answers[i].recvMs;
    if (cur > from && prev < to) longest = Math.max(longest, cur - prev);
  }
  const last = answers[answers.length - 1].recvMs;
  const openEnd = Math.min(to, lastProbeMs);
  if (last < openEnd && openEnd > from) longest = Math.max(longest, openEnd - last);
  return longest;
}

function countChanges(answers: Answer[], from: number, until = Infinity): number {
  let changes = 0;
  let pop = lastBefore(answers, from)?.pop;
  for (const a of answers) {
    if (a.recvMs < from || a.recvMs >= until) continue;
    if (pop !== undefined && a.pop !== pop) changes++;
    pop = a.pop;
  }
  return changes;
}

const lastBefore = (answers: Answer[], t: number): Answer | undefined => lastMatching(answers, (a) => a.recvMs <= t);

function lastMatching<T>(xs: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return xs[i];
  return undefined;
}

// ---------------------------------------------------------------- streams

export type StreamFate = 'survived' | 'down' | Exclude<Outcome, 'ok'>;

export interface StreamFailover {
  client: string;
  stream: number;
  /** PoP of the last line before the fault; null if the stream was down then. */
  popAtFault: string | null;
  connAtFault: number | null;
  /** survived: the connection open at the fault never ended; down: none was open. */
  outcome: StreamFate;
  /** When the client noticed the end, relative to the fault. */
  endedAfterMs: number | null;
  /** Lines missing (server seq gaps) on the connection open at the fault. */
  lostLines: number;
  reconnected: boolean;
  reconnectPop: string | null;
  /** First line on a later connection, relative to the fault. */
  reconnectAfterMs: number | null;
  movedToNewPop: boolean;
  /** Connections after the break that ended without a single line (refused, timeout…). */
  failedReconnects: number;
}

interface Conn {
  conn: number;
  lines: Sample[];
  end?: Sample;
}

/** What happened to each long-lived stream of one client around `faultMs`. */
export function analyzeStreams(samples: Sample[], faultMs: number): StreamFailover[] {
  const byStream = new Map<number, Sample[]>();
  for (const s of samples) {
    if (s.kind !== 'stream' || s.stream === undefined) continue;
    const list = byStream.get(s.stream) ?? [];
    list.push(s);
    byStream.set(s.stream, list);
  }
  return [...byStream.entries()].sort(([a], [b]) => a - b).map(([stream, list]) => analyzeStream(stream, list, faultMs));
}

function analyzeStream(stream: number, samples: Sample[], faultMs: number): StreamFailover {
  const conns = splitConnections(samples);
  const result: StreamFailover = {
    client: samples[0].client,
    stream,
    popAtFault: null,
    connAtFault: null,
    outcome: 'down',
    endedAfterMs: null,
    lostLines: 0,
    reconnected: false,
    reconnectPop: null,
    reconnectAfterMs: null,
    movedToNewPop: false,
    failedReconnects: 0,
  };
  const atFault = lastMatching(conns, (c) => c.lines.some((l) => (l.recvMs ?? l.sentMs) <= faultMs));
  if (!atFault || (atFault.end && (atFault.end.recvMs ?? atFault.end.sentMs) <= faultMs)) return result;
  const lastLine = lastMatching(atFault.lines, (l) => (l.recvMs ?? l.sentMs) <= faultMs)!;
  result.popAtFault = lastLine.pop ?? null;
  result.connAtFault = atFault.conn;
  result.lostLines = seqGaps(atFault.lines.map((l) => l.serverSeq).filter((n): n is number => n !== undefined));
  if (!atFault.end) {
    result.outcome = 'survived';
    return result;
  }
  result.outcome = atFault.end.outcome as StreamFate;
  result.endedAfterMs = (atFault.end.recvMs ?? atFault.end.sentMs) - faultMs;
  for (const c of conns.slice(conns.indexOf(atFault) + 1)) {
    const first = c.lines[0];
    if (!first) {
      result.failedReconnects++;
      continue;
    }
    result.reconnected = true;
    result.reconnectPop = first.pop ?? null;
    result.reconnectAfterMs = (first.recvMs ?? first.sentMs) - faultMs;
    result.movedToNewPop = first.pop !== undefined && first.pop !== result.popAtFault;
    break;
  }
  return result;
}

/** Groups by `conn`; without it (older agents), every non-ok sample closes a connection. */
function splitConnections(samples: Sample[]): Conn[] {
  const sorted = [...samples].sort((a, b) => a.seq - b.seq);
  const conns: Conn[] = [];
  let current: Conn | undefined;
  for (const s of sorted) {
    const id = s.conn ?? (current && !current.end ? current.conn : conns.length);
    if (!current || current.conn !== id || current.end) {
      current = { conn: id, lines: [] };
      conns.push(current);
    }
    if (s.outcome === 'ok') current.lines.push(s);
    else current.end = s;
  }
  return conns;
}

/** Numbers missing between the smallest and largest of `seqs`. */
function seqGaps(seqs: number[]): number {
  if (seqs.length === 0) return 0;
  const unique = new Set(seqs);
  return Math.max(...unique) - Math.min(...unique) + 1 - unique.size;
}

// ---------------------------------------------------------------- statistics

export interface Stats {
  n: number;
  min: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Nearest-rank percentiles: p is the smallest value with at least p% of the
 * values at or below it (sorted[ceil(p/100·n) − 1]). Always a value that was
 * measured, never an interpolation — with 4 clients "p95" is simply the max,
 * which is the honest answer. Non-finite values are ignored.
 */
export function summarize(values: number[]): Stats {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n, min: null, p50: null, p95: null, max: null, mean: null };
  const rank = (p: number): number => v[Math.max(0, Math.ceil((p / 100) * n) - 1)];
  return { n, min: v[0], p50: rank(50), p95: rank(95), max: v[n - 1], mean: v.reduce((a, b) => a + b, 0) / n };
}

/**
 * How a fault is noticed, which decides the bound:
 * silent — the PoP or its link stops forwarding without saying so (pause,
 *   blackhole, partition): the neighbour finds out from BFD or the BGP hold timer.
 * service — the DNS/HTTP service dies, routing is fine: the PoP's health check withdraws.
 * cut — the link loses carrier: the kernel downs the interface at once.
 */
export type DetectionMode = 'silent' | 'service' | 'cut';

export interface BoundParams {
  /** BFD interval in ms. */
  bfd: { enabled: boolean; interval: number; multiplier: number };
  /** BGP hold time in seconds (0 = never expires). */
  holdS: number;
  /** Health check interval in ms, consecutive failures before withdrawal. */
  health: { interval: number; failures: number };
}

/**
 * Worst-case detection time. Propagating the withdrawal and reinstalling
 * routes comes on top (FRR sends withdrawals without MRAI delay, so a few ms
 * per hop); a measured/bound ratio well above 1 points at that part.
 */
export function theoreticalBoundMs(mode: DetectionMode, p: BoundParams): number {
  const silent = p.bfd.enabled ? p.bfd.interval * p.bfd.multiplier : p.holdS > 0 ? p.holdS * 1000 : Infinity;
  switch (mode) {
    case 'silent':
      return silent;
    case 'service':
      return p.health.interval * p.health.failures;
    case 'cut':
      // Carrier loss is ~0 only on the side whose interface went down (zebra
      // tears the session down via fast-external-failover). On a Docker bridge
      // the far side keeps carrier and still waits for BFD/hold, so the
      // silent bound is the honest upper limit.
      return silent;
  }
}

export function explainBound(mode: DetectionMode, p: BoundParams): string {
  if (mode === 'service') return `health ${p.health.interval} ms × ${p.health.failures}`;
  const silent = p.bfd.enabled ? `BFD ${p.bfd.interval} ms × ${p.bfd.multiplier}` : `BGP hold ${p.holdS} s`;
  return mode === 'cut' ? `carrier loss ~0, at most ${silent}` : silent;
}

// ---------------------------------------------------------------- probe precision

export interface ProbePrecision {
  client: string;
  kind: ProbeKind;
  samples: number;
  /** Samples per second between the first and the last sent. */
  achievedPerS: number;
  expectedPerS: number | null;
  /** Request kinds: schedule slots with no sample (skipped or lost). Streams: server seq gaps. */
  missing: number;
  /** Request kinds with a known interval: how late probes left against their slot. */
  lateP95Ms: number | null;
  lateMaxMs: number | null;
}

/** How well the agent kept its schedule, per client and kind. */
export function probePrecision(samples: Sample[], intervalMs: Partial<Record<ProbeKind, number>> = {}): ProbePrecision[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.client}\u0000${s.kind}`;
    const g = groups.get(key) ?? [];
    g.push(s);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const { client, kind } = g[0];
    const interval = intervalMs[kind];
    const sorted = [...g].sort((a, b) => a.sentMs - b.sentMs);
    const spanS = (sorted[sorted.length - 1].sentMs - sorted[0].sentMs) / 1000;
    let missing: number;
    let late: Stats | null = null;
    if (kind === 'stream') {
      const byConn = new Map<string, number[]>();
      for (const s of g) {
        if (s.serverSeq === undefined) continue;
        const k = `${s.stream}/${s.conn}`;
        byConn.set(k, [...(byConn.get(k) ?? []), s.serverSeq]);
      }
      missing = [...byConn.values()].reduce((n, seqs) => n + seqGaps(seqs), 0);
    } else {
      missing = seqGaps(g.map((s) => s.seq));
      if (interval) {
        // Lateness against the grid anchored at the earliest-leaving probe.
        const offsets = g.map((s) => s.sentMs - s.seq * interval);
        const anchor = Math.min(...offsets);
        late = summarize(offsets.map((o) => o - anchor));
      }
    }
    return {
      client,
      kind,
      samples: g.length,
      achievedPerS: spanS > 0 ? (g.length - 1) / spanS : 0,
      expectedPerS: interval ? 1000 / interval : null,
      missing,
      lateP95Ms: late?.p95 ?? null,
      lateMaxMs: late?.max ?? null,
    };
  });
}
