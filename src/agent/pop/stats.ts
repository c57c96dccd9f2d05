// Responder counters. Plain integer increments on the hot path; a timer
// snapshots them to POP_PATHS.stats about once a second.

import { isIPv6 } from 'node:net';
import type { Transport } from './answer.js';
import { rcodeName } from './dns2.js';
import { writeJsonAtomic } from './files.js';

export interface ProtocolCounters {
  queries: number;
  /** Responses sent, by RCODE name (NOERROR, NXDOMAIN, ...). */
  responses: Record<string, number>;
  /** Messages we chose not to answer: shorter than a header, QR=1. */
  dropped: number;
  /** UDP responses sent with TC=1. */
  truncated: number;
  /** UDP send() rejections (e.g. to source port 0); TCP socket errors (resets). */
  sendErrors: number;
}

export interface TcpCounters {
  accepted: number;
  active: number;
  /** Closed to make room under tcp.maxConnections. */
  evicted: number;
  idleClosed: number;
}

/** What arrived on one family's service addresses: DNS queries per transport, trace requests. */
export interface FamilyCounters {
  udpQueries: number;
  tcpQueries: number;
  httpRequests: number;
}

export interface ResponderStats {
  pop: string;
  pid: number;
  startedAt: number;
  writtenAt: number;
  /** Every family together (a single-stack PoP's one family). */
  udp: ProtocolCounters;
  tcp: ProtocolCounters & { connections: TcpCounters };
  http: { requests: number };
  stream: { accepted: number; active: number };
  /**
   * Dual-stack PoPs: the same arrivals split by the family of the address
   * they reached, so an operator sees how much of the load each family
   * carries (the catchments differ). Absent on a single-stack PoP.
   */
  families?: { ipv4: FamilyCounters; ipv6: FamilyCounters };
}

const protocolCounters = (): ProtocolCounters => ({ queries: 0, responses: {}, dropped: 0, truncated: 0, sendErrors: 0 });

const familyCounters = (): FamilyCounters => ({ udpQueries: 0, tcpQueries: 0, httpRequests: 0 });

/** `dualStack`: count each family on its own too (ResponderStats.families). */
export function newStats(pop: string, now = Date.now(), dualStack = false): ResponderStats {
  return {
    pop,
    pid: process.pid,
    startedAt: now,
    writtenAt: now,
    udp: protocolCounters(),
    tcp: { ...protocolCounters(), connections: { accepted: 0, active: 0, evicted: 0, idleClosed: 0 } },
    http: { requests: 0 },
    stream: { accepted: 0, active: 0 },
    ...(dualStack ? { families: { ipv4: familyCounters(), ipv6: familyCounters() } } : {}),
  };
}

/** The counters of the family a listener's address belongs to; undefined on a single-stack PoP (nothing to split). */
export const countersOf = (stats: ResponderStats, address: string): FamilyCounters | undefined => stats.families?.[isIPv6(address) ? 'ipv6' : 'ipv4'];

export function countResponse(stats: ResponderStats, transport: Transport, rcode: number): void {
  const r = stats[transport].responses;
  const name = rcodeName(rcode);
  r[name] = (r[name] ?? 0) + 1;
}

/** Start rewriting `path` every `intervalMs`; returns a stop function that writes once more. */
export function startStatsWriter(stats: ResponderStats, path: string, intervalMs = 1000, onError: (e: unknown) => void = () => {}): () => Promise<void> {
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    stats.writtenAt = Date.now();
    writing = writing.then(() => writeJsonAtomic(path, stats)).catch(onError);
    return writing;
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  void flush();
  return async () => {
    clearInterval(timer);
    await flush();
  };
}
