// DNS over TCP (RFC 7766), implemented on node:net rather than dns2's
// TCPServer because dns2 3.1.1's createServer() builds its TCPServer without
// options (idle timeout fixed at 10 s), has no connection cap, and destroys the
// connection on a malformed message instead of answering FORMERR. Message
// handling is the same answerQuery() the UDP side uses.

import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import type { AnswerLimits } from './answer.js';
import { answerQuery } from './answer.js';
import { Packet } from './dns2.js';
import { encodeResponse } from './encode.js';
import { closeServer, listenTcp } from './listen.js';
import type { Logger } from './log.js';
import type { ResponderStats } from './stats.js';
import { countersOf, countResponse } from './stats.js';
import type { ZoneData } from './zone.js';

export interface TcpDnsOptions {
  address: string;
  port: number;
  idleTimeoutMs: number;
  maxConnections: number;
  zone: ZoneData;
  limits: AnswerLimits;
  stats: ResponderStats;
  log: Logger;
}

export interface TcpDns {
  port: number;
  /** Open connections right now. */
  connectionCount(): number;
  close(): Promise<void>;
}

const HEADER_BYTES = 12;
/** Stop reading from a client that pipelines faster than it reads its answers. */
const MAX_PENDING_WRITE_BYTES = 256 * 1024;

interface Conn {
  socket: Socket;
  /** Bytes of an incomplete length-prefixed message (RFC 1035 §4.2.2). */
  pending: Buffer | null;
}

export async function startTcpDns(o: TcpDnsOptions): Promise<TcpDns> {
  const counters = o.stats.tcp;
  const family = countersOf(o.stats, o.address);
  // Insertion order is recency order: a connection is moved to the end each
  // time it completes a message, so the first entry is the one idle longest.
  const conns = new Set<Conn>();

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    counters.connections.accepted++;
    // RFC 7766 §6.2.3: under pressure, close the connection idle longest
    // rather than refuse the newcomer, which is probably a live client.
    if (conns.size >= o.maxConnections) {
      const victim = conns.values().next().value;
      if (victim) {
        conns.delete(victim);
        victim.socket.destroy();
        counters.connections.evicted++;
      }
    }
    const conn: Conn = { socket, pending: null };
    conns.add(conn);
    counters.connections.active = conns.size;

    socket.setTimeout(o.idleTimeoutMs, () => {
      counters.connections.idleClosed++;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    // Answers are written synchronously, so on the client's FIN everything it
    // asked is already queued: half-close our side too.
    socket.on('end', () => socket.end());
    socket.on('error', () => {
      counters.sendErrors++;
    });
    socket.on('drain', () => socket.resume());
    socket.on('close', () => {
      conns.delete(conn);
      counters.connections.active = conns.size;
    });
  });

  function onData(conn: Conn, chunk: Buffer): void {
    const { socket } = conn;
    const buf = conn.pending ? Buffer.concat([conn.pending, chunk]) : chunk;
    let off = 0;
    let completed = false;
    while (buf.length - off >= 2) {
      const len = buf.readUInt16BE(off);
      if (buf.length - off - 2 < len) break;
      const message = buf.subarray(off + 2, off + 2 + len);
      off += 2 + len;
      completed = true;
      if (!handleMessage(socket, message)) {
        socket.destroy();
        return;
      }
    }
    // Copy the tail so a small remainder does not pin a large chunk.
    conn.pending = off < buf.length ? Buffer.from(buf.subarray(off)) : null;
    if (completed) {
      conns.delete(conn);
      conns.add(conn);
    }
    if (socket.writableLength > MAX_PENDING_WRITE_BYTES) socket.pause();
  }

  /** false: the stream cannot be trusted any more, close it. */
  function handleMessage(socket: Socket, message: Buffer): boolean {
    counters.queries++;
    if (family) family.tcpQueries++;
    // Without a full header there is no ID to answer with; on a stream it
    // also means the framing is off, so the connection goes.
    if (message.length < HEADER_BYTES) {
      counters.dropped++;
      return false;
    }
    const request = Packet.parse(message);
    const verdict = answerQuery(request, message, { clientAddress: clientAddress(socket), transport: 'tcp' }, o.zone, o.limits);
    if (verdict.action === 'drop') {
      counters.dropped++;
      return true;
    }
    const { bytes } = encodeResponse(verdict, null);
    const frame = Buffer.allocUnsafe(2 + bytes.length);
    frame.writeUInt16BE(bytes.length, 0);
    bytes.copy(frame, 2);
    if (socket.writable) {
      socket.write(frame);
      countResponse(o.stats, 'tcp', verdict.rcode);
    }
    return true;
  }

  const port = await listenTcp(server, o.address, o.port, 'dns responder');
  return {
    port,
    connectionCount: () => conns.size,
    close: async () => {
      const closed = closeServer(server);
      for (const c of conns) c.socket.destroy();
      await closed;
    },
  };
}

export const clientAddress = (socket: Socket): string => stripMapped(socket.remoteAddress ?? '');

/** "::ffff:10.0.0.1" -> "10.0.0.1": a dual-stack listener reports IPv4 peers mapped. */
export const stripMapped = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address);
