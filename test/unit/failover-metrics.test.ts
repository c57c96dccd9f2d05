import { describe, expect, it } from 'vitest';
import type { Outcome, Sample } from '../../src/contract/sample.js';
import { analyzeClient } from '../../src/experiment/failover-clients.js';
import { analyzeStreams } from '../../src/experiment/failover-streams.js';
import { probePrecision } from '../../src/experiment/probe-precision.js';
import { summarize } from '../../src/experiment/stats.js';
import { explainBound, theoreticalBoundMs } from '../../src/fault/detection.js';

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
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 2000, pop: 'ams' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r).toMatchObject({
      client: 'c1',
      status: 'moved',
      fromPop: 'fra',
      toPop: 'ams',
      expectedToMove: true,
      lastOldMs: 992,
      firstNewMs: 1002,
      failoverMs: 10,
      detectMs: 2,
      // Nothing was lost: the gap between the two answers is one probe interval, not an outage.
      outageMs: 0,
      maxGapMs: 10,
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
    const s = udp('c1', [
      { until: 1200, pop: 'fra' },
      { until: 1250, outcome: 'unreachable' },
      { until: 2000, pop: 'ams' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' });
    expect(r.lastOldMs).toBe(1192);
    expect(r.failoverMs).toBe(1252 - 1192);
    expect(r.detectMs).toBe(252);
    expect(r.lostProbes).toBe(5);
  });

  it('a client on another PoP that saw nothing is stayed-ok, with no outage', () => {
    const s = udp('c2', [{ until: 3000, pop: 'ams' }]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({
      status: 'stayed-ok',
      expectedToMove: false,
      failoverMs: null,
      toPop: null,
      lostProbes: 0,
      outageMs: 0,
      maxGapMs: 10,
      popChanges: 0,
      popSequence: ['ams'],
    });
    // Without naming the failed PoP: no failure and no move reads the same.
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).status).toBe('stayed-ok');
  });

  it('a client on another PoP that loses every probe after the fault is lost, not unaffected', () => {
    // The case: this used to come out as {status: unaffected, outageMs: 1508}.
    const s = udp('c2', [
      { until: 1000, pop: 'ams' },
      { until: 2500, outcome: 'timeout' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, restoreMs: 2000, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'lost', expectedToMove: false, outageMs: 2490 - 992, lostProbes: 149 });
  });

  it('collateral: a client on another PoP with an outage, or moved though its PoP was fine', () => {
    const gap = udp('c2', [
      { until: 1500, pop: 'ams' },
      { until: 1530, outcome: 'timeout' },
      { until: 3000, pop: 'ams' },
    ]);
    const r = analyzeClient(gap, { faultMs: FAULT, restoreMs: 2500, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'collateral', outageMs: 40, lostProbes: 3, maxLostRun: 3, popChanges: 0 });
    // The failback hurts too: the window runs to the last probe, past restore.
    const late = udp('c2', [
      { until: 2600, pop: 'ams' },
      { until: 2630, outcome: 'timeout' },
      { until: 3000, pop: 'ams' },
    ]);
    expect(analyzeClient(late, { faultMs: FAULT, restoreMs: 2500, kind: 'udp-dns', failedPop: 'fra' }).status).toBe('collateral');
    const moved = udp('c2', [
      { until: 1200, pop: 'ams' },
      { until: 3000, pop: 'lhr' },
    ]);
    expect(analyzeClient(moved, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' })).toMatchObject({
      status: 'collateral',
      popChanges: 1,
      outageMs: 0,
      toPop: 'lhr',
      popSequence: ['ams', 'lhr'],
    });
  });

  it('stayed-ok tolerates one lost probe, and a late agent is not an outage', () => {
    const one = udp('c2', [
      { until: 1500, pop: 'ams' },
      { until: 1510, outcome: 'timeout' },
      { until: 3000, pop: 'ams' },
    ]);
    expect(analyzeClient(one, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' })).toMatchObject({ status: 'stayed-ok', outageMs: 20, maxLostRun: 1 });
    // The agent slept 90 ms (no probe sent, none failed): a gap, not an outage.
    const late = udp('c2', [{ until: 3000, pop: 'ams' }]).filter((x) => x.sentMs < 1500 || x.sentMs > 1570);
    expect(analyzeClient(late, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' })).toMatchObject({ status: 'stayed-ok', outageMs: 0, maxGapMs: 90 });
  });

  it('flapped: a mover that changes PoP more than once before restore', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 1100, outcome: 'timeout' },
      { until: 1300, pop: 'iad' },
      { until: 1400, pop: 'gru' },
      { until: 3000, pop: 'iad' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, restoreMs: 2500, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'flapped', popChanges: 3, popSequence: ['fra', 'iad', 'gru', 'iad'] });
  });

  it('never recovered: lost, outage runs to the last probe', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 3000, outcome: 'timeout' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'lost', expectedToMove: true, failoverMs: null, detectMs: null, toPop: null });
    expect(r.outageMs).toBe(2990 - 992);
    expect(r.lostProbes).toBe(199);
  });

  it('not-moved: the failed PoP answers again and no other PoP ever did', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 1100, outcome: 'refused' },
      { until: 2000, pop: 'fra' },
    ]);
    const r = analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns', failedPop: 'fra' });
    expect(r).toMatchObject({ status: 'not-moved', outageMs: 110, maxLostRun: 10 });
    // Without the failed PoP named, nothing says it should have moved: an outage on its own PoP.
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).status).toBe('collateral');
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
    // The move is counted until restore; the way back is the failback's, and in the sequence.
    expect(r.popChanges).toBe(1);
    expect(r.popSequence).toEqual(['fra', 'ams', 'fra']);
    expect(r.status).toBe('moved');
  });

  it('failback that never happens is null', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 5000, pop: 'ams' },
    ]);
    expect(analyzeClient(s, { faultMs: FAULT, restoreMs: 3000, kind: 'udp-dns' }).failbackMs).toBeNull();
  });

  it('no answer before the fault: no baseline', () => {
    const s = udp('c1', [
      { until: 1000, outcome: 'timeout' },
      { until: 2000, pop: 'ams' },
    ]);
    expect(analyzeClient(s, { faultMs: FAULT, kind: 'udp-dns' }).status).toBe('no-baseline');
  });

  it('only looks at the requested kind and tolerates unsorted input', () => {
    const s = udp('c1', [
      { until: 1000, pop: 'fra' },
      { until: 2000, pop: 'ams' },
    ]).reverse();
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
