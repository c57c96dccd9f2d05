import type { ProbeContext, Prober } from './context.js';
import { type ProbeVerdict, startTcpProber } from './tcp-prober.js';

export interface TraceResponse {
  status: number;
  /** `key=value` lines of the body (colo, pop, ip, ts). */
  fields: Record<string, string>;
}

/** True once a whole HTTP/1.1 response is in `data` (Content-Length known), or never (read to close). */
export function httpResponseComplete(data: Buffer): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(data.toString('latin1', 0, end));
  return m !== null && data.length >= end + 4 + Number(m[1]);
}

export function parseTraceResponse(data: Buffer): TraceResponse | undefined {
  const text = data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (end < 0 || !status) return undefined;
  const fields: Record<string, string> = {};
  for (const line of text.slice(end + 4).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { status: Number(status[1]), fields };
}

/** GET /cdn-cgi/trace on a fresh connection; the `pop=` line names the PoP. */
export function startHttpTrace(ctx: ProbeContext): Prober {
  const { config } = ctx;
  // RFC 7230 §5.4: an IPv6 literal in Host goes in brackets.
  const host = config.http.address.includes(':') ? `[${config.http.address}]` : config.http.address;
  const request = Buffer.from(`GET /cdn-cgi/trace HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: anycast-lab-probe\r\nConnection: close\r\n\r\n`);
  return startTcpProber(ctx, {
    kind: 'http',
    endpoint: config.http,
    intervalMs: config.httpIntervalMs,
    next: () => ({ request, judge: judgeTrace }),
    isComplete: httpResponseComplete,
    // We sent "Connection: close", so a response without Content-Length ends at close.
    completeAtClose: (d) => d.includes('\r\n\r\n'),
  });
}

function judgeTrace(data: Buffer): ProbeVerdict {
  const trace = parseTraceResponse(data);
  if (trace && trace.status === 200 && trace.fields.pop) return { pop: trace.fields.pop };
  return { detail: trace ? `status ${trace.status}, pop=${trace.fields.pop ?? '?'}` : 'not an HTTP response' };
}
