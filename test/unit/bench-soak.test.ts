import { describe, expect, it } from 'vitest';
import { flapDelta, parseFlapCounters } from '../../src/bench/soak.js';

describe('soak flap counters', () => {
  it('sums BFD session-down and BGP connectionsDropped over peers (FRR 8.4 JSON)', () => {
    const bfd = JSON.stringify([
      { peer: '10.77.0.1', 'session-up': 3, 'session-down': 2, 'zebra-notifications': 9 },
      { peer: '10.77.0.9', 'session-up': 1, 'session-down': 0 },
    ]);
    const bgp = JSON.stringify({
      '10.77.0.1': { connectionsEstablished: 3, connectionsDropped: 2 },
      '10.77.0.9': { connectionsEstablished: 1, connectionsDropped: 0 },
    });
    expect(parseFlapCounters(bfd, bgp)).toEqual({ bfdDown: 2, bgpDropped: 2 });
    expect(parseFlapCounters('', '')).toEqual({ bfdDown: 0, bgpDropped: 0 });
  });

  it('reports what changed, per router and in total', () => {
    const before = { fra: { bfdDown: 1, bgpDropped: 0 }, 't-eu': { bfdDown: 4, bgpDropped: 1 } };
    const after = { fra: { bfdDown: 1, bgpDropped: 0 }, 't-eu': { bfdDown: 6, bgpDropped: 2 }, iad: { bfdDown: 1, bgpDropped: 0 } };
    expect(flapDelta(before, after)).toEqual({
      total: { bfdDown: 3, bgpDropped: 1 },
      byRouter: { 't-eu': { bfdDown: 2, bgpDropped: 1 }, iad: { bfdDown: 1, bgpDropped: 0 } },
    });
  });

  it('counts a counter that went down (session deleted and created again) as one flap, never negative', () => {
    expect(flapDelta({ fra: { bfdDown: 3, bgpDropped: 0 } }, { fra: { bfdDown: 0, bgpDropped: 0 } }).total).toEqual({ bfdDown: 1, bgpDropped: 0 });
  });
});
