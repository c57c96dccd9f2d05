// Tiny fake PoP services on 127.0.0.1 (or ::1) for the real probe agent: UDP
// and TCP DNS on one port, HTTP trace, and the line stream. The fake PoP can
// go silent, change its id, reset streams or close, like a PoP in a failover.
// Shared by the agent's unit tests (DNS wire format) and its timed tests
// (test/integration/probe-agent-timed.test.ts).

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { parseProbeConfig } from '../../../src/contract/probe-config.js';

export const HOST = '127.0.0.1';

/** A CHAOS TXT answer carrying `pop` as TXT and as NSID (if the query had an OPT RR). */
export function chaosAnswer(query: Buffer, pop: string): Buffer {
  let o = 12;
  while (query[o] !== 0) o += 1 + query[o];
  const question = query.subarray(12, o + 5);
  const hasOpt = query.readUInt16BE(10) > 0;
  const txt = Buffer.from(pop);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8400, 2); // QR, AA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  header.writeUInt16BE(hasOpt ? 1 : 0, 10);
  const answer = Buffer.alloc(12 + 1 + txt.length);
  answer.writeUInt16BE(0xc00c, 0); // pointer to the question name
  answer.writeUInt16BE(16, 2);
  answer.writeUInt16BE(3, 4);
  answer.writeUInt32BE(0, 6);
  answer.writeUInt16BE(1 + txt.length, 10);
  answer.writeUInt8(txt.length, 12);
  txt.copy(answer, 13);
  const opt = Buffer.alloc(11 + 4 + txt.length);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(1232, 3);
  opt.writeUInt16BE(4 + txt.length, 9);
  opt.writeUInt16BE(3, 11);
  opt.writeUInt16BE(txt.length, 13);
  txt.copy(opt, 15);
  return Buffer.concat([header, question, answer, ...(hasOpt ? [opt] : [])]);
}

export interface FakePop {
  pop: string;
  udpMode: 'answer' | 'silent';
  dnsPort: number;
  httpPort: number;
  streamPort: number;
  resetStreams(): void;
  closeHttp(): Promise<void>;
  closeUdp(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakePop(pop: string, host = HOST): Promise<FakePop> {
  const state = { pop, udpMode: 'answer' as 'answer' | 'silent' };
  const listen = (srv: net.Server | http.Server, port = 0): Promise<number> =>
    new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => resolve((srv.address() as net.AddressInfo).port));
    });

  // TCP DNS first on a free port, then UDP on the same number (the agent uses one port for both).
  const tcpDns = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const answer = chaosAnswer(buf.subarray(2, 2 + buf.readUInt16BE(0)), state.pop);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(answer.length);
        sock.end(Buffer.concat([len, answer]));
      }
    });
    sock.on('error', () => {});
  });
  const dnsPort = await listen(tcpDns);
  const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(dnsPort, host, () => resolve());
  });
  udp.on('message', (msg, rinfo) => {
    if (state.udpMode === 'answer') udp.send(chaosAnswer(msg, state.pop), rinfo.port, rinfo.address);
  });

  const httpSrv = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`fl=1\nh=${HOST}\nip=${req.socket.remoteAddress}\nts=${Date.now() / 1000}\ncolo=${state.pop.toUpperCase()}\npop=${state.pop}\n`);
  });
  const httpPort = await listen(httpSrv);

  const streamSockets = new Set<net.Socket>();
  const streamSrv = net.createServer((sock) => {
    streamSockets.add(sock);
    let seq = 0;
    const write = (): boolean => sock.write(`pop=${state.pop} seq=${seq++} ts=${Date.now()}\n`);
    write();
    const t = setInterval(write, 100);
    sock.on('close', () => {
      clearInterval(t);
      streamSockets.delete(sock);
    });
    sock.on('error', () => {});
  });
  const streamPort = await listen(streamSrv);

  const closeServer = (s: net.Server | http.Server): Promise<void> => new Promise((r) => s.close(() => r()));
  let udpOpen = true;
  const fake: FakePop = {
    get pop() {
      return state.pop;
    },
    set pop(p: string) {
      state.pop = p;
    },
    get udpMode() {
      return state.udpMode;
    },
    set udpMode(m) {
      state.udpMode = m;
    },
    dnsPort,
    httpPort,
    streamPort,
    resetStreams: () => {
      for (const s of streamSockets) s.resetAndDestroy();
    },
    closeHttp: async () => {
      httpSrv.closeAllConnections();
      await closeServer(httpSrv);
    },
    closeUdp: async () => {
      if (udpOpen) await new Promise<void>((r) => udp.close(() => r()));
      udpOpen = false;
    },
    close: async () => {
      fake.resetStreams();
      await Promise.all([closeServer(tcpDns), closeServer(streamSrv), fake.closeUdp(), httpSrv.listening ? fake.closeHttp() : undefined]);
    },
  };
  return fake;
}

export const configFor = (p: FakePop, extra: Record<string, unknown> = {}) =>
  parseProbeConfig({
    client: 'c1',
    dns: { address: HOST, port: p.dnsPort },
    http: { address: HOST, port: p.httpPort },
    stream: { address: HOST, port: p.streamPort },
    ...extra,
  });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
