// The probe agent's pure parts: DNS wire format, the fixed-rate schedule (on
// fake timers) and its config. The real agent against fake PoPs (its rates,
// a failover, both families, probe-main's exits) counts what it did in a
// fixed time: test/integration/probe-agent-timed.test.ts, run alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeChaosResponse, encodeChaosQuery, popOf } from '../../src/agent/probe/dns-wire.js';
import { startFixedRate } from '../../src/agent/probe/schedule.js';
import { parseStreamLine } from '../../src/agent/probe/streams.js';
import { parseProbeConfig } from '../../src/contract/probe-config.js';
import { chaosAnswer } from './support/fake-pop.js';

describe('dns wire format', () => {
  it('encodes a CHAOS TXT hostname.bind query with an empty NSID option', () => {
    const q = encodeChaosQuery(0xbeef);
    expect(q.toString('hex')).toBe(
      'beef' +
        '0000' +
        '0001' +
        '0000' +
        '0000' +
        '0001' +
        '08686f73746e616d650462696e6400' +
        '0010' +
        '0003' +
        '00' +
        '0029' +
        '04d0' +
        '00000000' +
        '0004' +
        '0003' +
        '0000',
    );
  });

  it('decodes TXT and NSID from an answer with a compressed name', () => {
    const a = decodeChaosResponse(chaosAnswer(encodeChaosQuery(7), 'fra'));
    expect(a).toEqual({ id: 7, rcode: 0, truncated: false, txt: ['fra'], nsid: 'fra' });
    expect(popOf({ ...a, txt: [] })).toBe('fra');
    expect(() => decodeChaosResponse(chaosAnswer(encodeChaosQuery(7), 'fra').subarray(0, 30))).toThrow(/truncated/);
  });

  it('parses stream lines', () => {
    expect(parseStreamLine('pop=fra seq=12 ts=1700000000000')).toEqual({ pop: 'fra', seq: 12 });
    expect(parseStreamLine('hello')).toBeUndefined();
  });
});

describe('fixed-rate schedule', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps the grid, catches up a late wake-up and skips a long stall', () => {
    vi.useFakeTimers();
    let stall = 0;
    const now = (): number => Date.now() + stall;
    const ticks: { slot: number; at: number }[] = [];
    const s = startFixedRate({ intervalMs: 10, now, onTick: (slot) => ticks.push({ slot, at: now() }) });
    vi.advanceTimersByTime(95);
    expect(ticks.map((t) => t.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    stall = 32; // the process was descheduled for 32 ms: slots 10..13 are due at once
    vi.advanceTimersByTime(10);
    expect(ticks.slice(10).map((t) => t.slot)).toEqual([10, 11, 12, 13]);
    stall = 32 + 200; // a 200 ms stall: only the last MAX_CATCH_UP slots are sent
    vi.advanceTimersByTime(10);
    expect(s.stats().skipped).toBeGreaterThan(10);
    const last = ticks.slice(14).map((t) => t.slot);
    expect(last).toHaveLength(5);
    expect(last[4] - last[0]).toBe(4);
    s.stop();
  });
});

describe('probe config', () => {
  it('fills defaults and rejects bad fields by name', () => {
    const c = parseProbeConfig('{"client":"c1","dns":{"address":"192.0.2.53"},"http":{"address":"192.0.2.80"},"stream":{"address":"192.0.2.80"}}');
    expect(c).toMatchObject({ dns: { port: 53 }, http: { port: 80 }, stream: { port: 7000 }, udpIntervalMs: 10, udpTimeoutMs: 500, streams: 2 });
    expect(() => parseProbeConfig({ ...c, udpIntervalMs: 'fast' })).toThrow('Expected `udpIntervalMs` to be a number >= 0, got "fast"');
    expect(() => parseProbeConfig({ ...c, dns: { address: '1.2.3.4', port: 70000 } })).toThrow('`dns.port`');
    expect(() => parseProbeConfig('{')).toThrow(/JSON/);
    expect(c.ipv6).toBeUndefined();
  });

  it('takes IPv6 endpoints beside the IPv4 ones, each checked by its path', () => {
    const v4 = { client: 'c1', dns: { address: '192.0.2.53' }, http: { address: '192.0.2.80' }, stream: { address: '192.0.2.80' } };
    const c = parseProbeConfig({
      ...v4,
      ipv6: { dns: { address: '2001:db8::53' }, http: { address: '2001:db8::80' }, stream: { address: '2001:db8::80', port: 9000 } },
    });
    expect(c.ipv6).toEqual({
      dns: { address: '2001:db8::53', port: 53 },
      http: { address: '2001:db8::80', port: 80 },
      stream: { address: '2001:db8::80', port: 9000 },
    });
    expect(() => parseProbeConfig({ ...v4, ipv6: { dns: { address: '2001:db8::53' }, http: {}, stream: { address: '2001:db8::80' } } })).toThrow(
      'Expected `ipv6.http.address` to be an IPv6 address string',
    );
    expect(() => parseProbeConfig({ ...v4, ipv6: 'yes' })).toThrow('`ipv6`');
  });
});
