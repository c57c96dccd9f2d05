// Per-client failover verdicts from probe samples: plain data in, plain data
// out, no clock. All instants are CLOCK_MONOTONIC ms, the same clock as the
// fault time. Answer times use recvMs (when the client *saw* the answer);
// probe counts use sentMs (when the question left).
import type { ProbeKind, Sample } from '../contract/sample.js';
import { lastMatching } from './series.js';

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
