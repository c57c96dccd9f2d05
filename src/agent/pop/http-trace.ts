// HTTP on the anycast address: GET /cdn-cgi/trace, shaped like Cloudflare's,
// so a probe learns which PoP served it. The probe agent parses these keys.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { isIPv6 } from 'node:net';
import { stripMapped } from './dns-tcp.js';
import { closeServer, listenTcp } from './listen.js';
import { countersOf, type ResponderStats } from './stats.js';

export const TRACE_PATH = '/cdn-cgi/trace';

export interface TraceFields {
  colo: string;
  pop: string;
  ip: string;
  nowMs: number;
  host?: string;
  userAgent?: string;
}

/** Unix seconds with milliseconds, as Cloudflare prints `ts=`: 1732521000.123 */
export function unixSecondsWithMs(ms: number): string {
  // Integer arithmetic: (ms / 1000).toFixed(3) can round .0075 the wrong way.
  const whole = Math.floor(ms);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}`;
}

/**
 * key=value lines; `colo`, `pop`, `ip`, `ts`, `proto` are the contract, the
 * rest is mimicry, except `family`: which family the request came over, so a
 * dual-stack client can tell its IPv6 catchment from its IPv4 one in one read.
 */
export function traceBody(f: TraceFields): string {
  const lines = [
    'fl=anycast-lab',
    `h=${oneLine(f.host ?? '')}`,
    `ip=${f.ip}`,
    `family=${isIPv6(f.ip) ? 'ipv6' : 'ipv4'}`,
    `ts=${unixSecondsWithMs(f.nowMs)}`,
    'visit_scheme=http',
    `uag=${oneLine(f.userAgent ?? '')}`,
    `colo=${f.colo}`,
    `pop=${f.pop}`,
    'http=http/1.1',
    'proto=http/1.1',
  ];
  return `${lines.join('\n')}\n`;
}

const oneLine = (s: string): string => s.replace(/[\r\n]/g, ' ');

export interface HttpTraceOptions {
  address: string;
  port: number;
  pop: string;
  colo: string;
  stats: ResponderStats;
  now?: () => number;
}

export interface HttpTrace {
  port: number;
  close(): Promise<void>;
}

export async function startHttpTrace(o: HttpTraceOptions): Promise<HttpTrace> {
  const now = o.now ?? Date.now;
  const family = countersOf(o.stats, o.address);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    o.stats.http.requests++;
    if (family) family.httpRequests++;
    // One request per connection: after a failover the next request must open
    // a new connection, which is what routes it to the new PoP.
    res.shouldKeepAlive = false;
    const path = (req.url ?? '').split('?')[0];
    if (path !== TRACE_PATH) return send(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const body = traceBody({
      colo: o.colo,
      pop: o.pop,
      ip: stripMapped(req.socket.remoteAddress ?? ''),
      nowMs: now(),
      host: req.headers.host,
      userAgent: req.headers['user-agent'],
    });
    send(res, 200, req.method === 'HEAD' ? '' : body, { 'Cache-Control': 'no-store' }, Buffer.byteLength(body));
  });
  // Slow or stuck clients must not hold sockets for Node's default minutes.
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.keepAliveTimeout = 1000;
  server.on('clientError', (_e, socket) => socket.destroy());
  const port = await listenTcp(server, o.address, o.port, 'http trace');
  return {
    port,
    close: async () => {
      const closed = closeServer(server);
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, length = Buffer.byteLength(body)): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(length), Connection: 'close', ...headers });
  res.end(body);
}
