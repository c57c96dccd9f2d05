// What happened to each long-lived TCP stream of a client around the fault:
// survived, reset, timed out; whether and where it reconnected. Pure.
import type { Outcome, Sample } from '../contract/sample.js';
import { lastMatching, seqGaps } from './series.js';

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

export interface StreamCounts {
  /** Streams whose connection at the fault was on the failed PoP. */
  onFailedPop: number;
  reset: number;
  timeout: number;
  /** Other ends: closed, refused, unreachable, error. */
  otherEnd: number;
  /** On the failed PoP and never ended (should be 0). */
  survivedOnFailedPop: number;
  /** Of the ended ones: the next connection landed on another PoP. */
  reconnectedToNewPop: number;
  onOtherPops: number;
  survivedOnOtherPops: number;
}

export function countStreams(streams: StreamFailover[], failedPop: string): StreamCounts {
  const c: StreamCounts = {
    onFailedPop: 0,
    reset: 0,
    timeout: 0,
    otherEnd: 0,
    survivedOnFailedPop: 0,
    reconnectedToNewPop: 0,
    onOtherPops: 0,
    survivedOnOtherPops: 0,
  };
  for (const s of streams) {
    if (s.popAtFault === null) continue;
    if (s.popAtFault !== failedPop) {
      c.onOtherPops++;
      if (s.outcome === 'survived') c.survivedOnOtherPops++;
      continue;
    }
    c.onFailedPop++;
    if (s.outcome === 'survived') c.survivedOnFailedPop++;
    else if (s.outcome === 'reset') c.reset++;
    else if (s.outcome === 'timeout') c.timeout++;
    else c.otherEnd++;
    if (s.movedToNewPop) c.reconnectedToNewPop++;
  }
  return c;
}
