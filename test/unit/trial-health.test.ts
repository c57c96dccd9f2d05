// readHealth on a dual-stack PoP: its two health checkers write one log, each
// line stamped with its family; a family's result lists its own transitions
// once. A single-stack PoP's lines carry no family and are IPv4's.
import { describe, expect, it } from 'vitest';
import { healthTransitions } from '../../src/experiment/trial-analysis.js';

// An excerpt of a dual-stack PoP's health.log around a `service --family ipv6` fault at mono 10000.
const DUAL_LOG = [
  '{"family":"ipv4","ts":1765000000000,"tsMono":1000,"state":"start","reason":"interval 200 ms, 3 failures, hold-down 2000 ms"}',
  '{"family":"ipv6","ts":1765000000001,"tsMono":1001,"state":"start","reason":"interval 200 ms, 3 failures, hold-down 2000 ms"}',
  '{"family":"ipv4","ts":1765000000400,"tsMono":1400,"state":"healthy","reason":"first answer"}',
  '{"family":"ipv6","ts":1765000000401,"tsMono":1401,"state":"healthy","reason":"first answer"}',
  '{"family":"ipv6","ts":1765000010612,"tsMono":10612,"state":"withdrawn","reason":"3 failures: timeout"}',
  '{"family":"ipv6","ts":1765000014100,"tsMono":14100,"state":"healthy","reason":"answered after hold-down"}',
  '{"family":"ipv4","ts":1765000014',
].join('\n');

describe('healthTransitions', () => {
  it('lists each family’s transitions after the fault once, from its own lines', () => {
    expect(healthTransitions(DUAL_LOG, 10_000, 'ipv6')).toEqual([
      { state: 'withdrawn', atMs: 612, reason: '3 failures: timeout' },
      { state: 'healthy', atMs: 4100, reason: 'answered after hold-down' },
    ]);
    expect(healthTransitions(DUAL_LOG, 10_000, 'ipv4')).toEqual([]);
    expect(healthTransitions(DUAL_LOG, 0, 'ipv4').map((h) => h.state)).toEqual(['start', 'healthy']);
  });

  it('a single-stack PoP’s unstamped lines are IPv4’s', () => {
    const log = '{"ts":1,"tsMono":2000,"state":"withdrawn","reason":"3 failures: timeout"}\n';
    expect(healthTransitions(log, 1000, 'ipv4')).toEqual([{ state: 'withdrawn', atMs: 1000, reason: '3 failures: timeout' }]);
    expect(healthTransitions(log, 1000, 'ipv6')).toEqual([]);
  });
});
