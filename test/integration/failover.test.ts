// Issue "Failover stopwatch": break a PoP the ways a PoP breaks and check,
// through the CLI a user runs, that clients move within what BFD, the hold
// timer or the health checker promise — and that the lab is whole after.
//
// Lab: ANYCAST_LAB_FILE (default labs/default.yaml). fra is broken in every
// case: c-de is on fra and moves to iad; c-us, c-jp, c-br stay where they are.
//
// Promises (issue "Failover numbers you can trust"), every trial, every client:
// - the client on fra (c-de) moves to iad exactly once (status moved, one PoP
//   change) and its outage is at most its failover + 2 probe intervals;
// - every other client stays (status stayed-ok) with no outage longer than 3
//   probe intervals (30 ms at 10 ms probes): a fault on fra must not hurt them.
// Margins (2-core host, 2026-11): BFD 100 ms × 3 detects 200–300 ms after
// the fault (the random phase spreads it over one BFD interval); bgpd →
// zebra → kernel and one more hop add ~70–130 ms: freeze/silent failover
// measured 280–460 ms. p50 ≤ 450 ms and max ≤ 700 ms over 10 trials leave
// ~1.5 × the bound for the median and room for one scheduling hiccup
// (2 cores, 4 probe agents, 11 FRR instances) at the top.
// The freeze run's report.html is opened in Chromium: its CDF and timelines.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import type { UpResult } from '../../src/lab/up.js';
import { loadLabFile } from '../../src/topology/load.js';
import { openDashboardPage } from '../unit/support/chromium.js';
import { docker, type ExecJson, labJson, REPO, type VtyshBfdPeer } from './cli.js';

const LAB_FILE = process.env.ANYCAST_LAB_FILE ?? join(REPO, 'labs', 'default.yaml');
const LAB = loadLabFile(LAB_FILE).name;
const OUT = mkdtempSync(join(tmpdir(), 'failover-test-'));

const failover = (fault: string, trials: number, ...extra: string[]): Promise<FailoverResult> =>
  labJson<FailoverResult>([
    'failover',
    '--lab',
    LAB,
    '--pop',
    'fra',
    '--fault',
    fault,
    '--trials',
    String(trials),
    '--out',
    join(OUT, `${fault}${extra.join('')}`),
    ...extra,
  ]);

/** Every trial: the affected client moved to its backup once, every other client stayed without an outage, long-lived TCP behaved. */
function expectCleanTrials(r: FailoverResult, trials: number) {
  expect(r.trials).toHaveLength(trials);
  const interval = r.probeIntervalMs;
  expect(interval).toBe(10);
  for (const t of r.trials) {
    expect(t.allMoved, `trial ${t.trial}: every affected client moved`).toBe(true);
    // The runner throws unless the lab is back at baseline after each trial; this
    // is the time it took.
    expect(t.baselineAfterMs, `trial ${t.trial} back at baseline`).toBeGreaterThan(0);
    expect(t.phaseDelayMs).toBeGreaterThanOrEqual(0);
    expect(t.phaseDelayMs).toBeLessThan(r.phaseSpanMs + 1);
    const de = t.clients.find((c) => c.client === 'c-de')!;
    expect(de, `trial ${t.trial}: ${JSON.stringify(de?.popSequence)}`).toMatchObject({
      affected: true,
      status: 'moved',
      fromPop: 'fra',
      toPop: 'iad',
      popChanges: 1,
    });
    expect(de.popSequence).toEqual(['fra', 'iad', 'fra']);
    expect(de.outageMs, `trial ${t.trial}: c-de outage vs failover ${de.failoverMs} ms`).toBeLessThanOrEqual(de.failoverMs! + 2 * interval);
    for (const other of t.clients.filter((c) => c.client !== 'c-de')) {
      const why = `${other.client} in trial ${t.trial}: ${other.status}, outage ${other.outageMs} ms, ${other.lostProbes} lost, PoPs ${other.popSequence.join('→')}`;
      expect(other.affected).toBe(false);
      expect(other.status, why).toBe('stayed-ok');
      expect(other.popChanges, why).toBe(0);
      expect(other.outageMs, why).toBeLessThanOrEqual(3 * interval);
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

/**
 * report.html beside result.json, in Debian's Chromium: the CDF of the 10
 * movers against the 300 ms bound, every trial's timeline, no console
 * errors. The CDF and the result are kept in out/ (the README's picture).
 */
async function expectReportPage(dir: string, r: FailoverResult) {
  const ui = await openDashboardPage(pathToFileURL(join(dir, 'report.html')).href);
  try {
    const cdf = ui.page.locator('body > svg').first();
    expect(await cdf.textContent()).toContain(`n=${r.summary.moved}, bound 300 ms (dashed)`);
    expect(await ui.page.locator('section svg').count()).toBe(r.trials.length);
    mkdirSync(join(REPO, 'out'), { recursive: true });
    await cdf.screenshot({ path: join(REPO, 'out', 'failover-report-cdf.png') });
    copyFileSync(join(dir, 'result.json'), join(REPO, 'out', 'failover-report-result.json'));
    expect(ui.consoleErrors).toEqual([]);
  } finally {
    await ui.browser.close();
  }
}

describe(`failover stopwatch (lab ${LAB})`, () => {
  beforeAll(async () => {
    await labJson(['up', LAB_FILE]);
  });

  afterAll(async () => {
    // The lab stays up for whoever runs next; the runner left it at baseline.
  });

  it('freeze (docker pause), BFD 100x3: p50 ≤ 450 ms, max ≤ 700 ms over 10 trials', async () => {
    const r = await failover('freeze', 10);
    expect(r.bfd).toBe('100x3');
    expect(r.bound).toEqual({ ms: 300, basis: 'BFD 100 ms × 3' });
    expect(r.phaseSpanMs).toBe(100);
    expectCleanTrials(r, 10);
    expect(r.summary.moved).toBe(10);
    expect(r.summary.statuses).toMatchObject({ moved: 10, 'stayed-ok': 30, collateral: 0, flapped: 0, lost: 0 });
    expect(r.summary.failoverMs.p50).toBeLessThanOrEqual(450);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(700);
    // The router side agrees: t-eu saw BFD go down before the client moved.
    for (const t of r.trials) {
      const teu = t.routers.find((x) => x.router === 't-eu')!;
      expect(teu.bfdDownMs).toBeGreaterThan(0);
      expect(teu.bfdDownMs).toBeLessThanOrEqual(t.clients.find((c) => c.client === 'c-de')!.detectMs!);
    }
    // A third clock outside the operator (issue "See it"): the route collector
    // (GoBGP) hears t-eu drop fra's path, replaced by the one through t-us,
    // within BFD's detection (300 ms) + 1 s of the fault. Measured 305 ms.
    for (const t of r.trials) {
      const teu = t.collector?.fault.find((x) => x.from === 't-eu');
      expect(teu, `trial ${t.trial}: the collector heard t-eu (${JSON.stringify(t.collector)})`).toBeDefined();
      expect(teu?.asPath, 'no longer straight to fra').not.toEqual([65010, 64500]);
      expect(teu?.afterFaultMs).toBeGreaterThanOrEqual(0);
      expect(teu?.afterFaultMs).toBeLessThanOrEqual(r.bound.ms + 1000);
    }
    await expectReportPage(join(OUT, 'freeze'), r);
  });

  it('an observer outside the probe agent agrees: tcpdump on eb-de sees the same gap in answers to c-de', async () => {
    // The agent timestamps answers in Node; tcpdump on the eyeball router in
    // front of c-de timestamps the same answers on the wire, in another
    // container. The longest gap between answers forwarded to c-de is the
    // failover as the wire saw it; it must match the agent's within 2 probe
    // intervals. Bounded: tcpdump stops by itself after 60 s or 20,000 packets.
    const de = await docker.getContainer(`al-${LAB}-c-de`).inspect();
    const ip = Object.values(de.NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0].IPAddress;
    const filter = `udp and src port 53 and src host 192.0.2.53 and dst host ${ip}`;
    const wire = labJson<ExecJson>(
      ['exec', '--lab', LAB, 'eb-de', '--', 'sh', '-c', `timeout 45 tcpdump -i any -n -tt -l -c 20000 '${filter}' 2>/dev/null; true`],
      90_000,
    );
    await new Promise((r) => setTimeout(r, 2000)); // tcpdump listening before the trial starts probing
    const r = await failover('freeze', 1);
    const captured = (await wire).stdout;
    expectCleanTrials(r, 1);
    const t = r.trials[0];
    // Unix ms on the wire; -i any sees each answer twice (in, out), microseconds apart.
    const times = captured
      .split('\n')
      .map((l) => Number.parseFloat(l))
      .filter(Number.isFinite)
      .map((x) => x * 1000);
    expect(times.length, 'answers captured on eb-de').toBeGreaterThan(100);
    // The failover gap: the longest one that ends after the fault and before
    // the restore (the failback has its own gap; the restore comes 1.5 s after
    // every client moved, so a fixed window after the fault can reach it).
    const restoreAt = t.faultAtUnixMs + (t.restoreMs - t.faultMs);
    let gap = 0;
    for (let i = 1; i < times.length; i++) {
      if (times[i] > t.faultAtUnixMs && times[i] <= restoreAt) gap = Math.max(gap, times[i] - times[i - 1]);
    }
    const agent = t.clients.find((c) => c.client === 'c-de')!.failoverMs!;
    expect(Math.abs(gap - agent), `wire gap ${gap.toFixed(1)} ms vs agent failover ${agent} ms`).toBeLessThanOrEqual(2 * r.probeIntervalMs);
  });

  it('silent (nftables blackhole, links up), BFD 100x3: p50 ≤ 450 ms, max ≤ 700 ms over 10 trials', async () => {
    const r = await failover('silent', 10);
    expectCleanTrials(r, 10);
    expect(r.summary.failoverMs.p50).toBeLessThanOrEqual(450);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(700);
  });

  it('cut (both ends link down): ≤ 200 ms', async () => {
    // Carrier loss is seen by zebra at once; measured 60–160 ms.
    const r = await failover('cut', 3);
    expectCleanTrials(r, 3);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(200);
  });

  it('service (responder SIGSTOP): ≤ health interval × failures + 1.5 s', async () => {
    // 200 ms × 3 = 600 ms, plus one check timeout (200 ms), the vtysh
    // withdrawal and propagation: measured ~900 ms. The 1.5 s margin is the
    // issue's.
    const r = await failover('service', 3);
    expectCleanTrials(r, 3);
    expect(r.bound.ms).toBe(600);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(600 + 1500);
    for (const t of r.trials) expect(t.health.map((h) => h.state)).toContain('withdrawn');
  });

  it('silent without BFD: the hold timer decides, spread over [hold − keepalive, hold] by the random fault phase; BFD comes back after', async () => {
    // Keepalive 3 s / hold 9 s: the last keepalive came 0–3 s before the
    // fault, so expiry lands 6–9 s after it. Trials used to be phase-locked to
    // the keepalive cycle (19 of 20 within 6.90–7.06 s); a random delay over
    // one keepalive interval before each fault unlocks them. The seed is
    // fixed, so the delays are too: seed 16 draws 6 delays (59, 433, 1019,
    // 1165, 1894, 2257 ms) spread over the 3 s cycle with no gap over 0.81 s,
    // so while trials start in the same phase the detection times span at
    // least 3 − 0.81 ≈ 2.2 s; the promise is ≥ 1 s. Bounds: 5 s and 11 s leave 1 s below and 2 s above
    // (propagation, timer jitter).
    const r = await failover('silent', 6, '--bfd', 'off', '--seed', '16');
    expect(r.bfd).toBe('off');
    expect(r.bound.ms).toBe(9000);
    expect(r.seed).toBe(16);
    expect(r.phaseSpanMs).toBe(3000);
    expectCleanTrials(r, 6);
    const ms = r.trials.map((t) => t.clients.find((c) => c.client === 'c-de')!.failoverMs!);
    for (const v of ms) {
      expect(v).toBeGreaterThanOrEqual(5000);
      expect(v).toBeLessThanOrEqual(11000);
    }
    expect(Math.max(...ms) - Math.min(...ms), `failover times ${ms.join(', ')} ms`).toBeGreaterThanOrEqual(1000);
    for (const t of r.trials) expect(t.routers.find((x) => x.router === 't-eu')!.holdExpiredMs).toBeGreaterThan(5000);
    const peers = await labJson<ExecJson>(['exec', '--lab', LAB, 't-eu', '--', 'vtysh', '-c', 'show bfd peers json']);
    const bfd = JSON.parse(peers.stdout) as VtyshBfdPeer[];
    expect(bfd).toHaveLength(4);
    for (const p of bfd) expect(p).toMatchObject({ status: 'up', 'transmit-interval': 100, 'detect-multiplier': 3 });
  });

  it('kill: the PoP is recreated from the plan, and `up` then keeps every container', async () => {
    const r = await failover('kill', 1);
    expectCleanTrials(r, 1);
    expect(r.summary.failoverMs.max).toBeLessThanOrEqual(1000);
    const again = await labJson<UpResult>(['up', LAB_FILE]);
    expect(again.created.containers).toEqual([]);
    expect(again.removed).toEqual([]);
  });
});
