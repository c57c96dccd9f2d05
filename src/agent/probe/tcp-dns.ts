import type { ProbeContext, Prober } from './context.js';
import { decodeChaosResponse, encodeChaosQuery, popOf } from './dns-wire.js';
import { errorDetail } from './outcome.js';
import { type ProbeVerdict, startTcpProber } from './tcp-prober.js';

/** DNS over TCP (RFC 1035 §4.2.2: a 2-byte length prefix), one fresh connection per probe. */
export function startTcpDns(ctx: ProbeContext): Prober {
  const { config } = ctx;
  let nextId = 1;
  return startTcpProber(ctx, {
    kind: 'tcp-dns',
    endpoint: config.dns,
    intervalMs: config.tcpIntervalMs,
    next: () => {
      const id = nextId++ & 0xffff;
      const query = encodeChaosQuery(id);
      const request = Buffer.alloc(2 + query.length);
      request.writeUInt16BE(query.length, 0);
      query.copy(request, 2);
      return { request, judge: (data) => judgeAnswer(data, id) };
    },
    isComplete: (d) => d.length >= 2 && d.length >= 2 + d.readUInt16BE(0),
  });
}

function judgeAnswer(data: Buffer, id: number): ProbeVerdict {
  try {
    const answer = decodeChaosResponse(data.subarray(2, 2 + data.readUInt16BE(0)));
    const pop = popOf(answer);
    if (answer.id !== id) return { detail: `answer id ${answer.id} != ${id}` };
    if (answer.rcode !== 0) return { detail: `rcode=${answer.rcode}` };
    if (pop === undefined) return { detail: 'no TXT or NSID' };
    return { pop };
  } catch (err) {
    return { detail: errorDetail(err) };
  }
}
