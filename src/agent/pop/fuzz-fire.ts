// Fires fuzz packets at a responder over UDP and TCP and opens idle TCP
// connections: the I/O half of fuzz.ts, for the loopback test and for a
// client container in the lab. Sending from source port 0 needs a raw socket
// and is not done here.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { FuzzPacket } from './fuzz.js';
import { tcpFrame } from './query.js';

export interface FireReport {
  sent: number;
  replies: number;
  /** TCP only: connections opened. */
  connections?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends every packet from one UDP socket, `burst` at a time, then waits `settleMs` for replies. */
export async function fireUdp(host: string, port: number, packets: Iterable<FuzzPacket>, o: { burst?: number; settleMs?: number } = {}): Promise<FireReport> {
  const socket = createSocket('udp4');
  let replies = 0;
  socket.on('message', () => void replies++);
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.bind(0, r));
  let sent = 0;
  const burst = o.burst ?? 100;
  for (const p of packets) {
    socket.send(p.bytes, port, host);
    if (++sent % burst === 0) await pause(1);
  }
  await pause(o.settleMs ?? 300);
  socket.close();
  return { sent, replies };
}

/**
 * Pipelines packets over TCP, `perConnection` per connection, all connections
 * at once; each writes its frames, half-closes, and counts framed replies
 * until the server closes (or `timeoutMs`).
 */
export async function fireTcp(
  host: string,
  port: number,
  packets: Iterable<FuzzPacket>,
  o: { perConnection?: number; timeoutMs?: number } = {},
): Promise<FireReport> {
  const perConnection = o.perConnection ?? 50;
  const report: FireReport = { sent: 0, replies: 0, connections: 0 };
  const batches: Buffer[][] = [[]];
  for (const p of packets) {
    if (batches[batches.length - 1].length >= perConnection) batches.push([]);
    batches[batches.length - 1].push(tcpFrame(p.bytes));
  }
  const one = (frames: Buffer[]) =>
    new Promise<void>((resolve) => {
      if (frames.length === 0) return resolve();
      report.connections!++;
      const s = connect({ host, port });
      let buffered = Buffer.alloc(0);
      const timer = setTimeout(() => s.destroy(), o.timeoutMs ?? 5000);
      s.on('connect', () => {
        s.end(Buffer.concat(frames));
        report.sent += frames.length;
      });
      s.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
          report.replies++;
        }
      });
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  await Promise.all(batches.map(one));
  return report;
}

/** Opens `count` TCP connections that never send anything. Caller destroys them. */
export async function openIdleTcp(host: string, port: number, count: number): Promise<Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect({ host, port }, () => resolve(s));
          s.on('error', () => resolve(s));
        }),
    ),
  );
  return sockets;
}
