// Issue "Failover stopwatch": break a PoP the ways a PoP breaks and check,
// through the CLI a user runs, that clients move within what BFD, the hold
// timer or the health checker promise — and that the lab is whole after.
//
// Lab: ANYCAST_LAB_FILE (default labs/default.yaml). fra is broken in every
// case: c-de is on fra and moves to iad; c-us, c-jp, c-br stay where they are.
//
// Margins (measured on a 2-core host, 2026-11): BFD 100 ms × 3 detects in
// 256–390 ms after the fault, bgpd→zebra→kernel adds ~70 ms, one more hop and
// the 10 ms probe interval a few ms; freeze/silent failover came out 310–460 ms.
// p50 ≤ 500 ms leaves ~10 % over the worst seen, max ≤ 1000 ms absorbs one
// scheduling hiccup (2 cores, 4 probe agents, 11 FRR instances).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFile } from '../../src/topology/load.js';
import { labJson, REPO } from './cli.js';

const LAB_FILE = process.env.ANYCAST_LAB_FILE ?? join(REPO, 'labs', 'default.yaml');
const LAB = loadLabFile(LAB_FILE).name;
const OUT = mkdtempSync(join(tmpdir(), 'failover-test-'));

const failover = (fault: string, trials: number, ...extra: string[]): Promise<any> =>
  labJson(['failover', '--lab', LAB, '--pop', 'fra', '--fault', fault, '--trials', String(trials), '--out', join(OUT, `${fault}${extra.join('')}`), ...extra]);

/** Every trial: the affected client moved to its backup, the rest stayed, long-lived TCP behaved. */
function expectCleanTrials(r: any, trials: number) {
  expect(r.trials).toHaveLength(trials);
  for (const t of r.trials) {
    expect(t.allMoved, `trial ${t.trial}: every affected client moved`).toBe(true);
    // The runner throws unless the lab is back at baseline after each trial; this
    // is the time it took.
    expect(t.baselineAfterMs, `trial ${t.trial} back at baseline`).toBeGreaterThan(0);
    const de = t.clients.find((c: any) => c.client === 'c-de');
    expect(de).toMatchObject({ affected: true, status: 'moved', fromPop: 'fra', toPop: 'iad' });
    for (const other of t.clients.filter((c: any) => c.client !== 'c-de')) {
      expect(other.affected).toBe(false);
      expect(other.status, `${other.client} in trial ${t.trial}`).toBe('unaffected');
    }
    // TCP: every long-lived stream on fra ends (reset or timeout), the next
    // connection lands on the new PoP; streams on other PoPs never notice.
    expect(de.streams.onFailedPop).toBeGreaterThan(0);
    expect(de.streams.survivedOnFailedPop).toBe(0);
    expect(de.streams.reconnectedToNewPop).toBe(de.streams.onFailedPop);
    expect(de.tcpDns.status, 'fresh TCP connections (DNS over TCP) move too').toBe('moved');
    for (const c of t.clients) expect(c.streams.survivedOnOtherPops).toBe(c.streams.onOtherPops);
    expect(t.failbackMs, `trial ${t.trial}: c-de back on fra after restore`).not.toBeNull();
  }
}

describe(`failover stopwatch (lab ${LAB})`, () => {
  beforeAll(async () => {
    await labJson(['up', LAB_FILE]);
  });

  afterAll(async () => {
    // The lab stays up for whoever runs next; the runner left it at baseline.
  });

  it('freeze (docker pause), BFD 100x3: p50 ≤ 500 ms, max ≤ 1000 ms over 5 trials', async () => {
    const r = await failover('freeze', 5);
    expect(r.bfd).toBe('100x3');
    expect(r.bound).toEqual({ ms: 300, basis: 'BFD 100 ms × 3' });
    expectCleanTrials(r, 5);
    expect(r.summary.moved).toBe(5);
    expect(r.summary.failoverMs.p50).toBeLessThanOrEqual(500);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(1000);
    // The router side agrees: t-eu saw BFD go down before the client moved.
    for (const t of r.trials) {
      const teu = t.routers.find((x: any) => x.router === 't-eu');
      expect(teu.bfdDownMs).toBeGreaterThan(0);
      expect(teu.bfdDownMs).toBeLessThanOrEqual(t.clients.find((c: any) => c.client === 'c-de').detectMs);
    }
  });

  it('silent (nftables blackhole, links up), BFD 100x3: p50 ≤ 500 ms, max ≤ 1000 ms over 5 trials', async () => {
    const r = await failover('silent', 5);
    expectCleanTrials(r, 5);
    expect(r.summary.failoverMs.p50).toBeLessThanOrEqual(500);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(1000);
  });

  it('cut (both ends link down): ≤ 500 ms', async () => {
    // Carrier loss is seen by zebra at once; measured 60–160 ms.
    const r = await failover('cut', 3);
    expectCleanTrials(r, 3);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(500);
  });

  it('service (responder SIGSTOP): ≤ health interval × failures + 1.5 s', async () => {
    // 200 ms × 3 = 600 ms, plus one check timeout (200 ms), the vtysh
    // withdrawal and propagation: measured ~900 ms. The 1.5 s margin is the
    // issue's.
    const r = await failover('service', 3);
    expectCleanTrials(r, 3);
    expect(r.bound.ms).toBe(600);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(600 + 1500);
    for (const t of r.trials) expect(t.health.map((h: any) => h.state)).toContain('withdrawn');
  });

  it('silent without BFD: the hold timer (9 s) decides, between 5 s and 11 s; BFD comes back after', async () => {
    // Keepalive 3 s / hold 9 s: the last keepalive was 0–3 s before the
    // fault, so expiry lands 6–9 s after it; 5 s and 11 s leave 1 s and 2 s
    // (propagation, timer jitter — FRR jitters keepalives by up to 25 %).
    const r = await failover('silent', 1, '--bfd', 'off');
    expect(r.bfd).toBe('off');
    expect(r.bound.ms).toBe(9000);
    expectCleanTrials(r, 1);
    const ms = r.trials[0].clients.find((c: any) => c.client === 'c-de').failoverMs;
    expect(ms).toBeGreaterThanOrEqual(5000);
    expect(ms).toBeLessThanOrEqual(11000);
    expect(r.trials[0].routers.find((x: any) => x.router === 't-eu').holdExpiredMs).toBeGreaterThan(5000);
    const peers = await labJson(['exec', '--lab', LAB, 't-eu', '--', 'vtysh', '-c', 'show bfd peers json']);
    const bfd = JSON.parse(peers.stdout);
    expect(bfd).toHaveLength(4);
    for (const p of bfd) expect(p).toMatchObject({ status: 'up', 'transmit-interval': 100, 'detect-multiplier': 3 });
  });

  it('kill: the PoP is recreated from the plan, and `up` then keeps every container', async () => {
    const r = await failover('kill', 1);
    expectCleanTrials(r, 1);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(1000);
    const again = await labJson(['up', LAB_FILE]);
    expect(again.created.containers).toEqual([]);
    expect(again.removed).toEqual([]);
  });
});
