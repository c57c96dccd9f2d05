// Minimal DNS transport clients: one UDP exchange, pipelined TCP exchanges.
// Used by tests and usable from a client container; no DNS parsing here.
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { tcpFrame } from './query.js';

/** Sends one datagram; resolves with the first reply, or null after `timeoutMs`. */
export function udpExchange(host: string, port: number, message: Buffer, timeoutMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const done = (reply: Buffer | null) => {
      clearTimeout(timer);
      s.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    s.on('message', (msg) => done(msg));
    s.on('error', () => done(null));
    s.send(message, port, host);
  });
}

/**
 * Writes all `messages` on one connection in a single write (pipelined,
 * RFC 7766 §6.2.1.1) and collects `expect` framed replies.
 */
export function tcpExchange(host: string, port: number, messages: Buffer[], o: { expect?: number; timeoutMs?: number } = {}): Promise<Buffer[]> {
  const expect = o.expect ?? messages.length;
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    const s = connect({ host, port }, () => s.write(Buffer.concat(messages.map(tcpFrame))));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`tcpExchange: ${replies.length}/${expect} replies after ${o.timeoutMs ?? 2000} ms`));
    }, o.timeoutMs ?? 2000);
    s.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        replies.push(Buffer.from(buffered.subarray(2, 2 + len)));
        buffered = buffered.subarray(2 + len);
      }
      if (replies.length >= expect) {
        clearTimeout(timer);
        s.destroy();
        resolve(replies);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
