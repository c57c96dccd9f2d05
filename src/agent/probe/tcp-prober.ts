import type { Endpoint } from '../../contract/probe-config.js';
import type { Sample } from '../../contract/sample.js';
import { KindCounters, type ProbeContext, type Prober } from './context.js';
import { InFlight } from './in-flight.js';
import { startFixedRate } from './schedule.js';
import { tcpExchange } from './tcp-exchange.js';

/** What a whole answer says: the PoP that sent it, or why it is not a valid one. */
export type ProbeVerdict = { pop: string } | { detail: string };

/** One request on a fresh connection, and how to judge the answer to that request. */
export interface TcpProbe {
  request: Buffer;
  judge(data: Buffer): ProbeVerdict;
}

export interface TcpProberSpec {
  kind: 'tcp-dns' | 'http';
  endpoint: Endpoint;
  intervalMs: number;
  /** Builds the request for the next probe (a fresh DNS id, say). */
  next(): TcpProbe;
  isComplete: (data: Buffer) => boolean;
  completeAtClose?: (data: Buffer) => boolean;
}

/**
 * A request/response prober over TCP: at a fixed rate, one fresh connection
 * per probe (see tcpExchange), one sample per probe.
 */
export function startTcpProber(ctx: ProbeContext, spec: TcpProberSpec): Prober {
  const { config, now, emit } = ctx;
  const counters = new KindCounters();
  const inFlight = new InFlight();

  const probe = async (slot: number): Promise<void> => {
    const { request, judge } = spec.next();
    const sentMs = now();
    const r = await tcpExchange({
      ...spec.endpoint,
      request,
      timeoutMs: config.timeoutMs,
      now,
      isComplete: spec.isComplete,
      completeAtClose: spec.completeAtClose,
    });
    const sample: Sample = { client: config.client, kind: spec.kind, seq: slot, sentMs, outcome: r.outcome };
    if (r.outcome !== 'timeout') Object.assign(sample, { recvMs: r.endMs, rttMs: r.endMs - sentMs });
    if (r.outcome === 'ok') {
      const verdict = judge(r.data);
      if ('pop' in verdict) sample.pop = verdict.pop;
      else Object.assign(sample, { outcome: 'error', detail: verdict.detail });
    } else if (r.detail) sample.detail = r.detail;
    counters.record(sample);
    emit(sample);
  };

  const schedule = startFixedRate({
    intervalMs: spec.intervalMs,
    now,
    onTick: (slot) => {
      counters.sent++;
      inFlight.add();
      void probe(slot).finally(() => inFlight.done());
    },
  });
  return {
    stop: () => schedule.stop(),
    finish: (deadlineMs) => inFlight.drained(deadlineMs),
    summary: () => counters.summary(spec.intervalMs, schedule),
  };
}
