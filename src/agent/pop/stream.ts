// Long-lived TCP stream on the anycast address: a line every 100 ms so a
// client sees exactly when its connection broke and which PoP it was pinned
// to. The probe agent parses `pop=<id> seq=<n> ts=<unix ms>`.

import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { closeServer, listenTcp } from './listen.js';
import type { ResponderStats } from './stats.js';

export const STREAM_INTERVAL_MS = 100;
/** A client that stops reading is dropped once this much is queued (~2 minutes of lines). */
const MAX_QUEUED_BYTES = 64 * 1024;

/** seq counts per connection from 0. */
export const streamLine = (pop: string, seq: number, tsMs: number): string => `pop=${pop} seq=${seq} ts=${Math.floor(tsMs)}\n`;

export interface StreamOptions {
  address: string;
  port: number;
  pop: string;
  stats: ResponderStats;
  intervalMs?: number;
  now?: () => number;
}

export interface StreamServer {
  port: number;
  close(): Promise<void>;
}

export async function startStreamServer(o: StreamOptions): Promise<StreamServer> {
  const now = o.now ?? Date.now;
  const intervalMs = o.intervalMs ?? STREAM_INTERVAL_MS;
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    o.stats.stream.accepted++;
    sockets.add(socket);
    o.stats.stream.active = sockets.size;
    let seq = 0;
    const tick = () => {
      if (socket.writableLength > MAX_QUEUED_BYTES) return void socket.destroy();
      socket.write(streamLine(o.pop, seq++, now()));
    };
    const timer = setInterval(tick, intervalMs);
    tick();
    // Whatever the client sends is ignored, but must be read or its window fills.
    socket.resume();
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      o.stats.stream.active = sockets.size;
    });
  });
  const port = await listenTcp(server, o.address, o.port, 'stream');
  return {
    port,
    close: async () => {
      const closed = closeServer(server);
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
