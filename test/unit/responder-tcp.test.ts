// DNS over TCP per RFC 7766: pipelining, idle timeout, connection cap.

import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { tcpExchange } from '../../src/agent/pop/exchange.js';
import { buildQuery, readHeader, tcpFrame } from '../../src/agent/pop/query.js';
import { popTestConfig, usePopServices } from './support/pop-fixture.js';

const IDLE_MS = 300;
const MAX_CONNECTIONS = 5;
const pop = usePopServices(popTestConfig({ tcp: { idleTimeoutMs: IDLE_MS, maxConnections: MAX_CONNECTIONS } }));

const open: Socket[] = [];
const connectTcp = () =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: pop.services.dns.port }, () => resolve(s));
    s.on('error', reject);
    open.push(s);
  });
const closed = (s: Socket) =>
  new Promise<number>((resolve) => {
    const t0 = performance.now();
    if (s.destroyed) return resolve(0);
    s.on('close', () => resolve(performance.now() - t0));
  });
afterAll(() => {
  for (const s of open) s.destroy();
});

const A = 1,
  TXT = 16;

describe('DNS over TCP', () => {
  it('answers 3 pipelined queries on one connection, each with its own ID', async () => {
    const queries = [
      buildQuery({ id: 101, name: 'anycast.lab', type: A }),
      buildQuery({ id: 102, name: 'whoami.lab', type: TXT }),
      buildQuery({ id: 103, name: 'nope.lab', type: A }),
    ];
    const replies = await tcpExchange('127.0.0.1', pop.services.dns.port, queries);
    expect(replies.map((r) => readHeader(r).id)).toEqual([101, 102, 103]);
    expect(replies.map((r) => readHeader(r).rcode)).toEqual([0, 0, 3]);
  });

  it('reassembles a message split across writes', async () => {
    const s = await connectTcp();
    const frame = tcpFrame(buildQuery({ id: 7, name: 'anycast.lab', type: A }));
    const reply = new Promise<Buffer>((resolve) => s.once('data', resolve));
    for (const byte of frame) {
      s.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 1));
    }
    const data = await reply;
    expect(data.readUInt16BE(0)).toBe(data.length - 2);
    expect(readHeader(data.subarray(2)).id).toBe(7);
    s.destroy();
  });

  it('answers a query sent with a half-close (end)', async () => {
    const s = await connectTcp();
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.end(tcpFrame(buildQuery({ id: 8, name: 'anycast.lab', type: A })));
    await closed(s);
    expect(readHeader(Buffer.concat(chunks).subarray(2)).id).toBe(8);
  });

  it('answers FORMERR on TCP and keeps the connection', async () => {
    const formerr = Buffer.from([0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const replies = await tcpExchange('127.0.0.1', pop.services.dns.port, [formerr, buildQuery({ id: 10, name: 'anycast.lab', type: A })]);
    expect(replies.map((r) => [readHeader(r).id, readHeader(r).rcode])).toEqual([
      [9, 1],
      [10, 0],
    ]);
  });

  it('closes a connection that sends a message shorter than a header', async () => {
    const s = await connectTcp();
    s.write(tcpFrame(Buffer.from([1, 2, 3])));
    expect(await closed(s)).toBeLessThan(IDLE_MS);
  });

  it(`closes an idle connection after tcp.idleTimeoutMs (${IDLE_MS} ms)`, async () => {
    const s = await connectTcp();
    const t0 = performance.now();
    await closed(s);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(IDLE_MS - 20);
    expect(elapsed).toBeLessThan(IDLE_MS + 500);
  });

  it(`caps connections at ${MAX_CONNECTIONS}, closing the one idle longest`, async () => {
    const first = await connectTcp();
    const firstClosed = closed(first);
    const rest = [];
    for (let i = 1; i < MAX_CONNECTIONS; i++) rest.push(await connectTcp());
    // Activity moves a connection to the back of the eviction queue.
    const busy = rest[0];
    busy.write(tcpFrame(buildQuery({ id: 11, name: 'anycast.lab', type: A })));
    await new Promise((r) => busy.once('data', r));
    const evictedBefore = pop.services.stats.tcp.connections.evicted;
    const newcomer = await connectTcp();
    expect(await firstClosed).toBeLessThan(IDLE_MS);
    expect(busy.destroyed).toBe(false);
    expect(pop.services.stats.tcp.connections.evicted).toBe(evictedBefore + 1);
    expect(pop.services.tcpConnectionCount()).toBeLessThanOrEqual(MAX_CONNECTIONS);
    // The newcomer is served.
    newcomer.write(tcpFrame(buildQuery({ id: 12, name: 'anycast.lab', type: A })));
    const data: Buffer = await new Promise((r) => newcomer.once('data', r));
    expect(readHeader(data.subarray(2)).id).toBe(12);
  });
});
