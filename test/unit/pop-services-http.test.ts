// The TCP services on the anycast address: the HTTP trace and the stream,
// in the formats the probe agent parses.
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { traceBody, unixSecondsWithMs } from '../../src/agent/pop/http-trace.js';
import { streamLine } from '../../src/agent/pop/stream.js';
import { usePopServices } from './support/pop-fixture.js';

const pop = usePopServices();

const get = (path: string, method = 'GET') =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: pop.services.http.port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });

const parseTrace = (body: string) =>
  Object.fromEntries(
    body
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('traceBody', () => {
  it('formats ts as unix seconds with milliseconds', () => {
    expect(unixSecondsWithMs(1732521000123)).toBe('1732521000.123');
    expect(unixSecondsWithMs(1732521000000)).toBe('1732521000.000');
    expect(unixSecondsWithMs(1732521000007.9)).toBe('1732521000.007');
  });

  it('has one key=value per line with the contract keys', () => {
    const body = traceBody({ colo: 'FRA', pop: 'fra', ip: '10.78.1.10', nowMs: 1732521000123, userAgent: 'evil\r\nx=1' });
    const kv = parseTrace(body);
    expect(kv).toMatchObject({ colo: 'FRA', pop: 'fra', ip: '10.78.1.10', ts: '1732521000.123', proto: 'http/1.1' });
    expect(body.endsWith('\n')).toBe(true);
    expect(body.split('\n').filter((l) => l.startsWith('x='))).toEqual([]);
  });
});

describe('HTTP /cdn-cgi/trace', () => {
  it('answers 200 text/plain with colo, pop, ip, ts, proto and closes the connection', async () => {
    const before = Date.now() / 1000;
    const res = await get('/cdn-cgi/trace');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers.connection).toBe('close');
    const kv = parseTrace(res.body);
    expect(kv).toMatchObject({ colo: 'FRA', pop: 'fra', ip: '127.0.0.1', proto: 'http/1.1' });
    expect(kv.ts).toMatch(/^\d{10}\.\d{3}$/);
    expect(Number(kv.ts)).toBeGreaterThanOrEqual(Math.floor(before * 1000) / 1000);
  });

  it('ignores a query string', async () => {
    expect((await get('/cdn-cgi/trace?x=1')).status).toBe(200);
  });

  it('is 404 elsewhere and 405 for other methods', async () => {
    expect((await get('/')).status).toBe(404);
    expect((await get('/cdn-cgi/tracex')).status).toBe(404);
    expect((await get('/cdn-cgi/trace', 'POST')).status).toBe(405);
  });
});

describe('stream', () => {
  it('formats a line', () => {
    expect(streamLine('fra', 3, 1732521000123.7)).toBe('pop=fra seq=3 ts=1732521000123\n');
  });

  it('writes a line at once, then every 100 ms, seq from 0', async () => {
    const s = connect({ host: '127.0.0.1', port: pop.services.stream.port });
    let text = '';
    const arrivals: number[] = [];
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      text += c;
      arrivals.push(performance.now());
    });
    const t0 = await new Promise<number>((r) => s.on('connect', () => r(performance.now())));
    await new Promise((r) => setTimeout(r, 450));
    s.destroy();
    const lines = text.trim().split('\n');
    expect(arrivals[0] - t0).toBeLessThan(50);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeLessThanOrEqual(6);
    const parsed = lines.map((l) => l.match(/^pop=(\S+) seq=(\d+) ts=(\d+)$/));
    expect(parsed.every(Boolean)).toBe(true);
    expect(parsed.map((m) => Number(m![2]))).toEqual(lines.map((_, i) => i));
    expect(parsed.every((m) => m![1] === 'fra')).toBe(true);
    const ts = parsed.map((m) => Number(m![3]));
    for (let i = 1; i < ts.length; i++) expect(ts[i] - ts[i - 1]).toBeGreaterThanOrEqual(80);
  });

  it('stops writing when the client goes away', async () => {
    const s = connect({ host: '127.0.0.1', port: pop.services.stream.port });
    await new Promise((r) => s.on('data', r));
    s.destroy();
    await new Promise((r) => setTimeout(r, 150));
    expect(pop.services.stats.stream.active).toBe(0);
  });
});
