// DNS over UDP on dns2's UDPServer: it parses (Packet.parse never throws past
// a 12-byte header; it collects per-record errors instead) and sends; we
// decide and serialize. Its send() promise rejects on e.g. a source port 0
// and is always caught here.
import type { RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { AnswerLimits } from './answer.js';
import { answerQuery } from './answer.js';
import type { Packet } from './dns2.js';
import { UDPServer } from './dns2.js';
import { encodeResponse } from './encode.js';
import { bindUdp } from './listen.js';
import type { Logger } from './log.js';
import { errorFields } from './log.js';
import type { ResponderStats } from './stats.js';
import { countersOf, countResponse } from './stats.js';
import type { ZoneData } from './zone.js';

export interface UdpDnsOptions {
  address: string;
  port: number;
  zone: ZoneData;
  limits: AnswerLimits;
  stats: ResponderStats;
  log: Logger;
}

export interface UdpDns {
  port: number;
  close(): Promise<void>;
}

/** Kernel receive buffer we ask for: bursts of ~50k qps overflow the default 208 KiB. */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export async function startUdpDns(o: UdpDnsOptions): Promise<UdpDns> {
  const server = new UDPServer({ type: isIPv6(o.address) ? 'udp6' : 'udp4' });
  const counters = o.stats.udp;
  const family = countersOf(o.stats, o.address);
  const onSendError = () => {
    counters.sendErrors++;
  };

  // dns2 hands the handler the parsed Packet but not the datagram, and we
  // echo the question verbatim, so keep the bytes of the message being handled:
  // dns2 emits 'request' synchronously inside its own 'message' listener,
  // which runs after this one.
  let current: Buffer = Buffer.alloc(0);
  server.prependListener('message', (data: Buffer) => {
    current = data;
  });
  server.on('request', (request: Packet, send: (m: Buffer) => Promise<unknown>, rinfo: RemoteInfo) => {
    counters.queries++;
    if (family) family.udpQueries++;
    const verdict = answerQuery(request, current, { clientAddress: rinfo.address, transport: 'udp' }, o.zone, o.limits);
    if (verdict.action === 'drop') {
      counters.dropped++;
      return;
    }
    const encoded = encodeResponse(verdict, verdict.udpLimit);
    if (encoded.truncated) counters.truncated++;
    countResponse(o.stats, 'udp', verdict.rcode);
    send(encoded.bytes).catch(onSendError);
  });
  // dns2 emits requestError for messages shorter than a header (no ID to
  // answer with, so they are dropped) and if our listener threw.
  server.on('requestError', () => {
    counters.queries++;
    if (family) family.udpQueries++;
    counters.dropped++;
  });

  const port = await bindUdp(server, o.address, o.port, 'dns responder');
  // After bind: a runtime socket error is logged, never fatal.
  server.on('error', (e: Error) => o.log.error('udp socket error', errorFields(e)));
  try {
    server.setRecvBufferSize(RECV_BUFFER_BYTES);
  } catch {
    // Capped by net.core.rmem_max; the default still works, just drops earlier under load.
  }
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
