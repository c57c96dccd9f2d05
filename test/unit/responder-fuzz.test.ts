// ~3,000 malformed packets at the in-process responder over UDP and TCP; it
// must keep answering correctly. The generator is deterministic, so any
// failure here replays exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpExchange, udpExchange } from '../../src/agent/pop/exchange.js';
import type { FuzzPacket } from '../../src/agent/pop/fuzz.js';
import { FUZZ_KINDS, fuzzPackets } from '../../src/agent/pop/fuzz.js';
import { fireTcp, fireUdp, openIdleTcp } from '../../src/agent/pop/fuzz-fire.js';
import { buildQuery, readHeader } from '../../src/agent/pop/query.js';
import { popTestConfig, usePopServices } from './support/pop-fixture.js';

const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, NOTIMP: 4, BADVERS: 0 /* low nibble of 16 */ };

const crashes: unknown[] = [];
const onCrash = (e: unknown) => crashes.push(e);
beforeAll(() => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
// Registered before the services: "after" hooks run in reverse, so the
// handlers stay on until the services have closed.
afterAll(() => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});
const pop = usePopServices(popTestConfig({ tcp: { idleTimeoutMs: 2000, maxConnections: 200 } }));

const stillHealthy = async () => {
  const reply = await udpExchange('127.0.0.1', pop.services.dns.port, buildQuery({ id: 4242, name: 'anycast.lab', type: 1 }));
  expect(reply).not.toBeNull();
  expect(readHeader(reply!)).toMatchObject({ id: 4242, rcode: 0, ancount: 1 });
  const [tcp] = await tcpExchange('127.0.0.1', pop.services.dns.port, [buildQuery({ id: 4343, name: 'hostname.bind', type: 16, class: 3 })]);
  expect(readHeader(tcp)).toMatchObject({ id: 4343, rcode: 0, ancount: 1 });
};

describe('fuzz generator', () => {
  it('is deterministic for a seed and covers every kind', () => {
    const a = [...fuzzPackets({ seed: 7, count: 500 })];
    const b = [...fuzzPackets({ seed: 7, count: 500 })];
    expect(a.map((p) => p.bytes.toString('hex'))).toEqual(b.map((p) => p.bytes.toString('hex')));
    expect(new Set(a.map((p) => p.kind))).toEqual(new Set(FUZZ_KINDS));
    expect([...fuzzPackets({ seed: 8, count: 5 })][0].bytes).not.toEqual(a[0].bytes);
  });
});

describe('responder under fuzz', () => {
  it('survives 3,000 packets over UDP and 1,000 over TCP and still answers', async () => {
    const udp = await fireUdp('127.0.0.1', pop.services.dns.port, fuzzPackets({ seed: 1, count: 3000 }));
    expect(udp.sent).toBe(3000);
    expect(udp.replies).toBeGreaterThan(1000);
    const tcp = await fireTcp('127.0.0.1', pop.services.dns.port, fuzzPackets({ seed: 2, count: 1000 }), { perConnection: 25 });
    expect(tcp.sent).toBe(1000);
    expect(tcp.replies).toBeGreaterThan(100);
    await stillHealthy();
    expect(crashes).toEqual([]);
  }, 30_000);

  it('gives the expected answer for one packet of every deterministic kind', async () => {
    const seen = new Map<string, FuzzPacket>();
    for (const p of fuzzPackets({ seed: 3, count: 2000 })) if (p.expect !== 'any' && !seen.has(p.kind)) seen.set(p.kind, p);
    const results = await Promise.all(
      [...seen.values()].map(async (p) => {
        const reply = await udpExchange('127.0.0.1', pop.services.dns.port, p.bytes, 300);
        if (p.expect === 'drop') return [p.kind, reply === null ? 'drop' : 'answered'];
        if (!reply) return [p.kind, 'no reply'];
        const h = readHeader(reply);
        return [p.kind, h.id === p.id && h.rcode === RCODES[p.expect] ? p.expect : `id ${h.id} rcode ${h.rcode}`];
      }),
    );
    expect(Object.fromEntries(results)).toEqual(Object.fromEntries([...seen.values()].map((p) => [p.kind, p.expect])));
  });

  it('keeps serving with the TCP connection table full of idle connections', async () => {
    const idle = await openIdleTcp('127.0.0.1', pop.services.dns.port, 250);
    try {
      await stillHealthy();
      expect(pop.services.tcpConnectionCount()).toBeLessThanOrEqual(pop.config.tcp.maxConnections);
    } finally {
      for (const s of idle) s.destroy();
    }
  });
});
