import { describe, expect, it } from 'vitest';
import type { Outcome, Sample } from '../../src/probe/sample.js';
import {
  analyzeClient,
  analyzeStreams,
  explainBound,
  probePrecision,
  summarize,
  theoreticalBoundMs,
} from '../../src/experiment/failover-metrics.js';

/** A UDP probe every 10 ms from t=0; each segment says who answers until `until` (exclusive). */
function udp(client: string, segments: { until: number; pop?: string; outcome?: Outcome }[], rtt = 2): Sample[] {
  const out: Sample[] = [];
  let t = 0;
  let seq = 0;
  for (const seg of segments) {
    for (; t < seg.until; t += 10) {
      const outcome = seg.outcome ?? 'ok';
      out.push({
        client,
        kind: 'udp-dns',
        seq: seq++,
        sentMs: t,
        outcome,
        ...(outcome === 'ok' ? { recvMs: t + rtt, rttMs: rtt, pop: seg.pop } : {}),
      });
    }
  }
  return out;
}

const FAULT = 1000;

describe('analyzeClient', () => {
  it('clean switch: failover is last old answer to first new answer', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }, { until: 2000, pop: 'ams' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r).toMatchObject({
      client: 'c1',
      status: 'moved',
      fromPop: 'fra',
      toPop: 'ams',
      unaffected: false,
      lastOldMs: 992,
      firstNewMs: 1002,
      failoverMs: 10,
      detectMs: 2,
      outageMs: 10,
      lostProbes: 0,
      popChanges: 1,
    });
  });

  it('switch with a gap of timeouts counts the lost probes and the outage', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 1300, outcome: 'timeout' },
      { until: 2000, pop: 'ams' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r.status).toBe('moved');
    expect(r.failoverMs).toBe(1302 - 992);
    expect(r.detectMs).toBe(302);
    expect(r.outageMs).toBe(310);
    expect(r.lostProbes).toBe(30);
    expect(r.failedAfterFault).toBe(29); // the probe sent exactly at the fault is not "after"
  });

  it('old PoP still answering after the fault (graceful withdraw) measures from its last answer', () => {
    const s = udp('c1', [{ until: 1200, pop: 'fra' }, { until: 1250, outcome: 'unreachable' }, { until: 2000, pop: 'ams' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r.lastOldMs).toBe(1192);
    expect(r.failoverMs).toBe(1252 - 1192);
    expect(r.detectMs).toBe(252);
    expect(r.lostProbes).toBe(5);
  });

  it('a client on another PoP is unaffected and has no failover', () => {
    const s = udp('c2', [{ until: 3000, pop: 'ams' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'unaffected', unaffected: true, failoverMs: null, toPop: null, lostProbes: 0 });
    // Without naming the failed PoP: no failure and no move reads as unaffected too.
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).unaffected).toBe(true);
  });

  it('never recovered: lost, outage runs to the last probe', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }, { until: 3000, outcome: 'timeout' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'lost', unaffected: false, failoverMs: null, detectMs: null, toPop: null });
    expect(r.outageMs).toBe(2990 - 992);
    expect(r.lostProbes).toBe(199);
  });

  it('stayed: failures, then the same PoP answers again without a move', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }, { until: 1100, outcome: 'refused' }, { until: 2000, pop: 'fra' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r.status).toBe('stayed');
    expect(r.outageMs).toBe(110);
  });

  it('failback: time from restore to the first answer from the original PoP', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 1100, outcome: 'timeout' },
      { until: 3050, pop: 'ams' },
      { until: 3080, outcome: 'timeout' },
      { until: 5000, pop: 'fra' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, restoreMs: 3000, kind: 'udp-dns' });
    expect(r.failoverMs).toBe(1102 - 992);
    expect(r.failbackMs).toBe(3082 - 3000);
    expect(r.failbackOutageMs).toBe(3082 - 3042);
    expect(r.popChanges).toBe(2);
  });

  it('failback that never happens is null', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }, { until: 5000, pop: 'ams' }]);
    expect(analyzeClient(s, { faultMs: FAULT, restoreMs: 3000, kind: 'udp-dns' }).failbackMs).toBeNull();
  });

  it('no answer before the fault: no baseline', () => {
    const s = udp('c1', [{ until: 1000, outcome: 'timeout' }, { until: 2000, pop: 'ams' }]);
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).status).toBe('no-baseline');
  });

  it('only looks at the requested kind and tolerates unsorted input', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }, { until: 2000, pop: 'ams' }]).reverse();
    s.push({ client: 'c1', kind: 'tcp-dns', seq: 0, sentMs: 1500, recvMs: 1501, outcome: 'ok', pop: 'lhr' });
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).toPop).toBe('ams');
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'tcp-dns' }).status).toBe('no-baseline');
  });
});

/** Stream lines every 100 ms; `conn` changes after each end event. */
function stream(client: string, idx: number, events: ({ at: number; pop: string } | { at: number; end: Outcome })[]): Sample[] {
  let seq = 0;
  let conn = 0;
  let serverSeq = 0;
  return events.map((e) => {
    const base = { client, kind: 'stream' as const, stream: idx, conn, seq: seq++ };
    if ('end' in e) {
      conn++;
      serverSeq = 0;
      return { ...base, sentMs: e.at - 1000, recvMs: e.at, outcome: e.end };
    }
    return { ...base, sentMs: e.at, recvMs: e.at, pop: e.pop, outcome: 'ok' as const, serverSeq: serverSeq++ };
  });
}

const lines = (pop: string, from: number, to: number): { at: number; pop: string }[] => {
  const out = [];
  for (let t = from; t < to; t += 100) out.push({ at: t, pop });
  return out;
};

describe('analyzeStreams', () => {
  it('reset stream that reconnects to a new PoP', () => {
    const s = stream('c1', 0, [...lines('fra', 0, 1000), { at: 1150, end: 'reset' }, ...lines('ams', 1300, 2000)]);
    expect(analyzeStreams(s, FAULT)).toEqual([
      expect.objectContaining({
        stream: 0,
        popAtFault: 'fra',
        outcome: 'reset',
        endedAfterMs: 150,
        reconnected: true,
        reconnectPop: 'ams',
        reconnectAfterMs: 300,
        movedToNewPop: true,
        failedReconnects: 0,
      }),
    ]);
  });

  it('survived stream, idle timeout with refused reconnects, and several streams', () => {
    const s = [
      ...stream('c1', 0, lines('fra', 0, 3000)),
      ...stream('c1', 1, [...lines('fra', 0, 1000), { at: 1900, end: 'timeout' }, { at: 2000, end: 'refused' }, ...lines('fra', 2200, 3000)]),
    ];
    const [a, b] = analyzeStreams(s, FAULT);
    expect(a).toMatchObject({ stream: 0, outcome: 'survived', reconnected: false, lostLines: 0 });
    expect(b).toMatchObject({ stream: 1, outcome: 'timeout', failedReconnects: 1, reconnectPop: 'fra', movedToNewPop: false });
  });

  it('counts server seq gaps on the connection open at the fault', () => {
    const s = stream('c1', 0, lines('fra', 0, 2000)).filter((x) => x.serverSeq !== 5 && x.serverSeq !== 6);
    expect(analyzeStreams(s, FAULT)[0].lostLines).toBe(2);
  });

  it('a stream down at the fault', () => {
    const s = stream('c1', 0, [...lines('fra', 0, 500), { at: 600, end: 'closed' }]);
    expect(analyzeStreams(s, FAULT)[0]).toMatchObject({ outcome: 'down', popAtFault: null });
  });
});

describe('summarize (nearest rank)', () => {
  it.each([
    [[], { n: 0, p50: null, p95: null, max: null }],
    [[7], { n: 1, min: 7, p50: 7, p95: 7, max: 7, mean: 7 }],
    [[4, 1, 3, 2], { n: 4, min: 1, p50: 2, p95: 4, max: 4, mean: 2.5 }],
    [Array.from({ length: 100 }, (_, i) => i + 1), { n: 100, p50: 50, p95: 95, max: 100 }],
    [Array.from({ length: 20 }, (_, i) => (i + 1) * 10), { n: 20, p50: 100, p95: 190, max: 200 }],
    [[1, NaN, Infinity, 3], { n: 2, p50: 1, p95: 3 }],
  ])('%j', (values, expected) => {
    expect(summarize(values as number[])).toMatchObject(expected);
  });
});

describe('theoreticalBoundMs', () => {
  const p = { bfd: { enabled: true, interval: 100, multiplier: 3 }, holdS: 9, health: { interval: 500, failures: 3 } };
  it.each([
    ['silent', p, 300],
    ['silent', { ...p, bfd: { ...p.bfd, enabled: false } }, 9000],
    ['silent', { ...p, bfd: { ...p.bfd, enabled: false }, holdS: 0 }, Infinity],
    ['service', p, 1500],
    ['cut', p, 300],
  ] as const)('%s', (mode, params, expected) => {
    expect(theoreticalBoundMs(mode, params)).toBe(expected);
  });
  it('explains itself', () => {
    expect(explainBound('silent', p)).toBe('BFD 100 ms × 3');
    expect(explainBound('cut', p)).toContain('carrier loss');
  });
});

describe('probePrecision', () => {
  it('rate, missing slots and lateness', () => {
    const s = udp('c1', [{ until: 1000, pop: 'fra' }]).filter((x) => x.seq !== 10 && x.seq !== 11);
    s[50].sentMs += 3;
    const [p] = probePrecision(s, { 'udp-dns': 10 });
    expect(p).toMatchObject({ client: 'c1', kind: 'udp-dns', samples: 98, missing: 2, expectedPerS: 100, lateMaxMs: 3 });
    expect(p.achievedPerS).toBeCloseTo(97 / 0.99, 5);
  });
});
