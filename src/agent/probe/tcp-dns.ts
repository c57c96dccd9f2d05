import { decodeChaosResponse, encodeChaosQuery, popOf } from './dns-wire.js';
import { InFlight } from './in-flight.js';
import { errorDetail } from './outcome.js';
import { startFixedRate } from './schedule.js';
import { tcpExchange } from './tcp-exchange.js';
import { KindCounters, type ProbeContext, type Prober } from './context.js';
import type { Sample } from '../../probe/sample.js';

/** DNS over TCP (RFC 1035 §4.2.2: a 2-byte length prefix), one fresh connection per probe. */
export function startTcpDns(ctx: ProbeContext): Prober {
  const { config, now, emit } = ctx;
  const counters = new KindCounters();
  const inFlight = new InFlight();
  let nextId = 1;

  const probe = async (slot: number): Promise<void> => {
    const id = nextId++ & 0xffff;
    const query = encodeChaosQuery(id);
    const request = Buffer.alloc(2 + query.length);
    request.writeUInt16BE(query.length, 0);
    query.copy(request, 2);
    const sentMs = now();
    const r = await tcpExchange({
      ...config.dns,
      request,
      timeoutMs: config.timeoutMs,
      now,
      isComplete: (d) => d.length >= 2 && d.length >= 2 + d.readUInt16BE(0),
    });
    const sample: Sample = { client: config.client, kind: 'tcp-dns', seq: slot, sentMs, outcome: r.outcome };
    if (r.outcome !== 'timeout') Object.assign(sample, { recvMs: r.endMs, rttMs: r.endMs - sentMs });
    if (r.outcome === 'ok') {
      try {
        const answer = decodeChaosResponse(r.data.subarray(2, 2 + r.data.readUInt16BE(0)));
        const pop = popOf(answer);
        if (answer.id !== id) Object.assign(sample, { outcome: 'error', detail: `answer id ${answer.id} != ${id}` });
        else if (answer.rcode !== 0 || pop === undefined) {
          Object.assign(sample, { outcome: 'error', detail: answer.rcode !== 0 ? `rcode=${answer.rcode}` : 'no TXT or NSID' });
        } else sample.pop = pop;
      } catch (err) {
        Object.assign(sample, { outcome: 'error', detail: errorDetail(err) });
      }
    } else if (r.detail) sample.detail = r.detail;
    counters.record(sample);
    emit(sample);
  };

  const schedule = startFixedRate({
    intervalMs: config.tcpIntervalMs,
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
    summary: () => counters.summary(config.tcpIntervalMs, schedule),
  };
}
