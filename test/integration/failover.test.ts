// Issue "Failover stopwatch": break a PoP the ways a PoP breaks and check,
// through the CLI a user runs, that clients move within what BFD, the hold
// timer or the health checker promise — and that the lab is whole after.
//
// The cases and their bounds come from the lab file's `verify:` block (the
// promises and their margins are stated there), so
// `ANYCAST_LAB_FILE=labs/<generated>.yaml` times failover on another lab with
// this same code. Lab: ANYCAST_LAB_FILE (default labs/default.yaml).
//
// Promises (issue "Failover numbers you can trust"), every trial, every client:
// - each client the case names moves to the PoP it names exactly once (status
//   moved, one PoP change) and its outage is at most its failover + 2 probe
//   intervals;
// - every other client stays (status stayed-ok) with no outage longer than 3
//   probe intervals (30 ms at 10 ms probes): a fault on one PoP must not hurt them;
// - every bound of the case holds (src/verify/judge.ts, as `lab verify`).
// The first freeze case's report.html is opened in Chromium: its CDF and timelines.

import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import type { UpResult } from '../../src/lab/up.js';
import { BGPD_HOLDS_LABEL, FRR_POLL_LABEL } from '../../src/runtime/image-specs.js';
import { containerName } from '../../src/runtime/labels.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type Lab, sessionsOf, type VerifyCase } from '../../src/topology/model.js';
import { judgeFamilies } from '../../src/verify/judge.js';
import { openDashboardPage } from '../unit/support/chromium.js';
import { failbackSequenceFault } from '../unit/support/failback-sequence.js';
import { docker, type ExecJson, labJson, REPO, type VtyshBfdPeer } from './cli.js';

const LAB_FILE = process.env.ANYCAST_LAB_FILE ?? join(REPO, 'labs', 'default.yaml');
const MODEL = loadLabFile(LAB_FILE);
const LAB = MODEL.name;
const CASES = MODEL.verify ?? [];
const OUT = mkdtempSync(join(tmpdir(), 'failover-test-'));

/** `lab failover` for a case, into its own folder under OUT. */
const failover = (c: VerifyCase, out: string, trials = c.trials): Promise<FailoverResult> =>
  labJson<FailoverResult>([
    'failover',
    '--lab',
    LAB,
    '--pop',
    c.pop,
    '--fault',
    c.mode,
    '--trials',
    String(trials),
    '--bfd',
    c.bfd,
    ...(c.seed === undefined ? [] : ['--seed', String(c.seed)]),
    '--out',
    join(OUT, out),
  ]);

/** The lab file's BFD and timers on the PoP's sessions: what the bound and the fault phase come from. */
function sessionSettings(model: Lab, pop: string) {
  const link = sessionsOf(model, pop)[0].link;
  return { bfd: link.bfd, keepaliveS: link.timers.keepalive, holdS: link.timers.hold };
}

/** `show work-queues bgpd` → [queue, hold ms] for the process queue and each peer's clear queue. */
function bgpdHolds(text: string): [string, number][] {
  return [...text.matchAll(/^\s*\d+\s+(\d+)\s+(?:\d+\s+){6}(process_queue|clear \S+)/gm)].map((m) => [m[2], Number(m[1])]);
}

/** The PoP's BGP neighbours as the runner watches them. */
const neighboursOf = (r: FailoverResult, trial = 0) => r.trials[trial].routers.filter((x) => x.role === 'neighbour').map((x) => x.router);

/** Every trial: the named clients moved to their PoP once, every other client stayed without an outage, long-lived TCP behaved. */
function expectCleanTrials(r: FailoverResult, trials: number, c: VerifyCase) {
  const movers = Object.keys(c.expect);
  expect(movers.length, `case ${c.name} names the clients that must move (expect:)`).toBeGreaterThan(0);
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
    for (const name of movers) {
      const m = t.clients.find((x) => x.client === name)!;
      expect(m, `trial ${t.trial}: ${JSON.stringify(m?.popSequence)}`).toMatchObject({
        affected: true,
        status: 'moved',
        fromPop: c.pop,
        toPop: c.expect[name],
        popChanges: 1,
      });
      // Out, back; one bounce of the failback only when FRR 8.4's reason for it
      // is in the trial's report (test/unit/support/failback-sequence.ts).
      expect(failbackSequenceFault(m.popSequence, c.pop, c.expect[name], t.failbackBounces ?? [], r.family ?? 'ipv4'), `trial ${t.trial}: ${name}`).toBeNull();
      expect(m.outageMs, `trial ${t.trial}: ${name} outage vs failover ${m.failoverMs} ms`).toBeLessThanOrEqual(m.failoverMs! + 2 * interval);
      // TCP: every long-lived stream on the failed PoP ends (reset or timeout),
      // the next connection lands on the new PoP; streams on other PoPs never notice.
      expect(m.streams.onFailedPop).toBeGreaterThan(0);
      expect(m.streams.survivedOnFailedPop).toBe(0);
      expect(m.streams.reconnectedToNewPop).toBe(m.streams.onFailedPop);
      expect(m.tcpDns.status, 'fresh TCP connections (DNS over TCP) move too').toBe('moved');
    }
    for (const other of t.clients.filter((x) => !movers.includes(x.client))) {
      const why = `${other.client} in trial ${t.trial}: ${other.status}, outage ${other.outageMs} ms, ${other.lostProbes} lost, PoPs ${other.popSequence.join('→')}`;
      expect(other.affected).toBe(false);
      expect(other.status, why).toBe('stayed-ok');
      expect(other.popChanges, why).toBe(0);
      expect(other.outageMs, why).toBeLessThanOrEqual(3 * interval);
    }
    for (const x of t.clients) expect(x.streams.survivedOnOtherPops).toBe(x.streams.onOtherPops);
    expect(t.failbackMs, `trial ${t.trial}: ${movers.join(', ')} back on ${c.pop} after restore`).not.toBeNull();
  }
}

/** Every bound of the case holds, as `lab verify` judges it: on a dual-stack lab, for each family (`ipv4 p50`, `ipv6 p50`, …). */
function expectBounds(c: VerifyCase, r: FailoverResult) {
  const verdicts = judgeFamilies(c, r);
  if (MODEL.families.includes('ipv6')) {
    expect(r.family, 'a dual-stack lab times both families').toBe('ipv4');
    expect(r.ipv6, 'the IPv6 side of the same trials').toBeDefined();
    expect(verdicts.some((v) => v.bound.startsWith('ipv6 '))).toBe(true);
  }
  const failed = verdicts.filter((v) => !v.pass).map((v) => `${v.bound} measured ${v.measured}, bound ${v.limit}`);
  expect(failed, `case ${c.name}`).toEqual([]);
  // Every client-trial is a move or a stay: nothing else.
  const movers = Object.keys(c.expect).length;
  for (const summary of [r.summary, ...(r.ipv6 ? [r.ipv6.summary] : [])])
    expect(summary.statuses).toMatchObject({
      moved: c.trials * movers,
      'stayed-ok': c.trials * (MODEL.clients.length - movers),
      collateral: 0,
      flapped: 0,
      lost: 0,
    });
}

/**
 * report.html beside result.json, in Debian's Chromium: the CDF of the
 * movers against the detection bound, every trial's timeline, no console
 * errors. The CDF and the result are kept in out/ (the README's picture).
 */
async function expectReportPage(dir: string, r: FailoverResult) {
  const ui = await openDashboardPage(pathToFileURL(join(dir, 'report.html')).href);
  try {
    const cdf = ui.page.locator('body > svg').first();
    expect(await cdf.textContent()).toContain(`n=${r.summary.moved}, bound ${r.bound.ms} ms (dashed)`);
    expect(await ui.page.locator('section svg').count()).toBe(r.trials.length);
    mkdirSync(join(REPO, 'out'), { recursive: true });
    await cdf.screenshot({ path: join(REPO, 'out', 'failover-report-cdf.png') });
    copyFileSync(join(dir, 'result.json'), join(REPO, 'out', 'failover-report-result.json'));
    expect(ui.consoleErrors).toEqual([]);
  } finally {
    await ui.browser.close();
  }
}

/** What each kind of case checks beyond its bounds: the router side, the collector, the hold timer, the health checker. */
const EXTRA: Record<string, (c: VerifyCase, r: FailoverResult, first: boolean) => Promise<void>> = {
  async freeze(c, r, first) {
    const s = sessionSettings(MODEL, c.pop);
    if (c.bfd !== 'on' || !s.bfd.enabled) return;
    expect(r.bfd).toBe(`${s.bfd.interval}x${s.bfd.multiplier}`);
    expect(r.bound).toEqual({ ms: s.bfd.interval * s.bfd.multiplier, basis: `BFD ${s.bfd.interval} ms × ${s.bfd.multiplier}` });
    expect(r.phaseSpanMs).toBe(s.bfd.interval);
    // The router side agrees: every neighbour saw BFD go down before the client moved.
    for (const t of r.trials) {
      const firstMove = Math.min(...t.clients.filter((x) => x.client in c.expect).map((x) => x.detectMs!));
      for (const n of t.routers.filter((x) => x.role === 'neighbour')) {
        expect(n.bfdDownMs, `${n.router} in trial ${t.trial}`).toBeGreaterThan(0);
        expect(n.bfdDownMs).toBeLessThanOrEqual(firstMove);
      }
    }
    // A third clock outside the operator (issue "See it"): the route collector
    // (GoBGP) hears each transit next to the PoP drop its path, replaced by
    // another, within BFD's detection + 1 s of the fault. Measured 305 ms.
    if (MODEL.collector) {
      const popAsn = MODEL.routers.find((x) => x.name === c.pop)!.asn;
      for (const t of r.trials) {
        for (const n of neighboursOf(r).filter((x) => MODEL.routers.find((y) => y.name === x)?.role === 'transit')) {
          const seen = t.collector?.fault.find((x) => x.from === n);
          expect(seen, `trial ${t.trial}: the collector heard ${n} (${JSON.stringify(t.collector)})`).toBeDefined();
          expect(seen?.asPath, `no longer straight to ${c.pop}`).not.toEqual([MODEL.routers.find((x) => x.name === n)!.asn, popAsn]);
          expect(seen?.afterFaultMs).toBeGreaterThanOrEqual(0);
          expect(seen?.afterFaultMs).toBeLessThanOrEqual(r.bound.ms + 1000);
        }
      }
    }
    if (first) await expectReportPage(join(OUT, c.name), r);
  },

  async silent(c, r) {
    const s = sessionSettings(MODEL, c.pop);
    if (c.bfd !== 'off') return;
    // No BFD: the hold timer decides, spread over [hold − keepalive, hold] by
    // the random fault phase (the last keepalive came 0–keepalive before the
    // fault). Trials used to be phase-locked to the keepalive cycle (19 of 20
    // within 6.90–7.06 s on the default lab); a random delay over one
    // keepalive interval before each fault unlocks them. With the seed fixed
    // in the lab file the delays are too: seed 16 draws 6 delays (a user's
    // `lab verify` on the default lab) spread over the 3 s cycle with no gap
    // over 0.81 s, so the detection times span at least 3 − 0.81 ≈ 2.2 s; its
    // first 3 (the suite's lab: 433, 1894, 2257 ms) leave no gap over 1.46 s,
    // a span of at least 1.54 s, less the 0.16 s the locked trials wandered.
    // The promise is ≥ 1 s.
    // Floor: 1 s below hold − keepalive (the max is the lab file's bound).
    expect(r.bfd).toBe('off');
    expect(r.bound.ms).toBe(s.holdS * 1000);
    expect(r.phaseSpanMs).toBe(s.keepaliveS * 1000);
    if (c.seed !== undefined) expect(r.seed).toBe(c.seed);
    const floorMs = (s.holdS - s.keepaliveS) * 1000 - 1000;
    const ms = r.trials.flatMap((t) => t.clients.filter((x) => x.client in c.expect).map((x) => x.failoverMs!));
    for (const v of ms) expect(v).toBeGreaterThanOrEqual(floorMs);
    if (c.seed !== undefined && c.trials >= 3) expect(Math.max(...ms) - Math.min(...ms), `failover times ${ms.join(', ')} ms`).toBeGreaterThanOrEqual(1000);
    for (const t of r.trials) for (const n of t.routers.filter((x) => x.role === 'neighbour')) expect(n.holdExpiredMs).toBeGreaterThan(floorMs);
    // BFD comes back after: every neighbour's peers up with the lab file's timers.
    for (const n of neighboursOf(r)) {
      const peers = await labJson<ExecJson>(['exec', '--lab', LAB, n, '--', 'vtysh', '-c', 'show bfd peers json']);
      const bfd = JSON.parse(peers.stdout) as VtyshBfdPeer[];
      const sessions = sessionsOf(MODEL, n).filter((x) => x.link.bfd.enabled);
      // One BFD peer per session and family (a dual-stack link has an IPv6 session beside the IPv4 one).
      expect(bfd).toHaveLength(sessions.length * MODEL.families.length);
      for (const p of bfd) expect(p).toMatchObject({ status: 'up', 'transmit-interval': s.bfd.interval, 'detect-multiplier': s.bfd.multiplier });
    }
  },

  async service(_c, r) {
    // The health checker's promise: interval × failures.
    expect(r.bound.ms).toBe(MODEL.health.interval * MODEL.health.failures);
    for (const t of r.trials) expect(t.health.map((h) => h.state)).toContain('withdrawn');
  },

  async kill() {
    // The PoP is recreated from the plan, and `up` then keeps every container.
    const again = await labJson<UpResult>(['up', LAB_FILE]);
    expect(again.created.containers).toEqual([]);
    expect(again.removed).toEqual([]);
  },
};

/**
 * tcpdump on the eyeball router in front of the case's first mover, for as
 * long as `run` takes, into a file in that container: the anycast answers
 * forwarded to the mover, timestamped on the wire in another container.
 * Bounded by `timeout` and a packet count even if this process dies; stopped
 * as soon as the run ends (coreutils' `timeout` passes the TERM on to
 * tcpdump). Read back as its count and its gaps over 2 probe intervals (10 ms
 * probes), in Unix ms: a 10-trial capture is ~2 MB of lines, more than one
 * `lab exec --json` document carries whole.
 */
async function withWireCapture(c: VerifyCase, run: () => Promise<FailoverResult>) {
  const mover = Object.keys(c.expect)[0];
  const eyeball = MODEL.clients.find((x) => x.name === mover)!.eyeball;
  const de = await docker.getContainer(`al-${LAB}-${mover}`).inspect();
  const ip = Object.values(de.NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0].IPAddress;
  const filter = `udp and src port 53 and src host ${MODEL.anycast.dnsAddress} and dst host ${ip}`;
  const [pidFile, capture] = ['/tmp/failover-test-tcpdump.pid', '/tmp/failover-test-tcpdump.txt'];
  const inEyeball = (script: string) => labJson<ExecJson>(['exec', '--lab', LAB, eyeball, '--', 'sh', '-c', script], 360_000);
  const wire = inEyeball(`timeout 300 tcpdump -i any -n -tt -l -c 200000 '${filter}' > ${capture} 2>/dev/null & echo $! > ${pidFile}; wait $!; true`);
  await new Promise((r) => setTimeout(r, 2000)); // tcpdump listening before the run starts probing
  let r: FailoverResult;
  try {
    r = await run();
  } finally {
    await inEyeball(`kill $(cat ${pidFile}) 2>/dev/null; rm -f ${pidFile}`);
    await wire;
  }
  // -i any sees each answer twice (in, out), microseconds apart; the gaps between answers are what counts.
  const read = await inEyeball(
    `awk '{ t = $1 + 0; if (n && t - p > 0.02) printf "gap %.6f %.6f\\n", p, t; p = t; n++ } END { print "count", n + 0 }' ${capture}; rm -f ${capture}`,
  );
  const lines = read.stdout.trim().split('\n');
  const count = Number(lines.at(-1)?.replace(/^count /, ''));
  const gaps = lines
    .filter((l) => l.startsWith('gap '))
    .map(
      (l) =>
        l
          .split(' ')
          .slice(1)
          .map((x) => Number.parseFloat(x) * 1000) as [number, number],
    );
  return { r, mover, eyeball, count, gaps };
}

/** The observed case's run with its wire capture: the case's own 10 trials when that test ran first. */
let observedRun: Awaited<ReturnType<typeof withWireCapture>> | undefined;

const boundsText = (c: VerifyCase) =>
  Object.entries(c.bounds)
    .map(([k, v]) => `${k.replace(/Ms$/, '')} ≤ ${v}${k.endsWith('Ms') ? ' ms' : ''}`)
    .join(', ');

describe.skipIf(CASES.length === 0)(`failover stopwatch (lab ${LAB}, cases from its verify: block)`, () => {
  beforeAll(async () => {
    await labJson(['up', LAB_FILE]);
  });
  // The lab stays up for whoever runs next; the runner left it at baseline.

  const firstOfMode = new Set<string>();
  const observed = CASES.find((c) => c.mode === 'freeze');
  for (const c of CASES) {
    const first = !firstOfMode.has(c.mode);
    firstOfMode.add(c.mode);
    it(`${c.name}: ${c.mode} ${c.pop}, BFD ${c.bfd}, ${c.trials} trials; ${Object.entries(c.expect)
      .map(([k, v]) => `${k} → ${v}`)
      .join(', ')}; ${boundsText(c)}`, async () => {
      // The observed case runs once, with tcpdump watching: its trials are the
      // observer test's too (that test used to run a trial of its own).
      let r: FailoverResult;
      if (c === observed) {
        observedRun = await withWireCapture(c, () => failover(c, c.name));
        r = observedRun.r;
      } else {
        r = await failover(c, c.name);
      }
      expectCleanTrials(r, c.trials, c);
      expectBounds(c, r);
      await EXTRA[c.mode]?.(c, r, first);
    });
  }

  it.skipIf(!observed)('an observer outside the probe agent agrees: tcpdump on the eyeball router sees the same gap in answers to the mover', async () => {
    // The agent timestamps answers in Node; tcpdump on the eyeball router in
    // front of the mover timestamps the same answers on the wire, in another
    // container. The longest gap between answers forwarded to it is the
    // failover as the wire saw it; in every trial it must match the agent's
    // within 2 probe intervals. The capture ran around the case's own trials
    // above; run alone (-t), this test captures a 1-trial run of its own, in
    // its own folder.
    const c = observed!;
    const { r, mover, eyeball, count, gaps } = observedRun ?? (await withWireCapture(c, () => failover(c, `${c.name}-observer`, 1)));
    if (!observedRun) expectCleanTrials(r, 1, c);
    expect(count, `answers captured on ${eyeball}`).toBeGreaterThan(100 * r.trials.length);
    for (const t of r.trials) {
      // The failover gap: the longest one that ends after the fault and before
      // the restore (the failback has its own gap; the restore comes 1.5 s after
      // every client moved, so a fixed window after the fault can reach it).
      const restoreAt = t.faultAtUnixMs + (t.restoreMs - t.faultMs);
      const gap = Math.max(0, ...gaps.filter(([, end]) => end > t.faultAtUnixMs && end <= restoreAt).map(([start, end]) => end - start));
      const agent = t.clients.find((x) => x.client === mover)!.failoverMs!;
      expect(Math.abs(gap - agent), `trial ${t.trial}: wire gap ${gap.toFixed(1)} ms vs agent failover ${agent} ms`).toBeLessThanOrEqual(2 * r.probeIntervalMs);
    }
  });

  it("routers run the image's bgpd without its work-queue holds: t-eu's process_queue and clear queues at Hold 0", async () => {
    // The image builder's patch (src/runtime/bgpd-holds.ts) is what puts freeze-fra-bfd20 under 100 ms.
    // A bgpd it could not patch keeps FRR's 50 and 10 ms, and its image says so in a label.
    const r = await labJson<{ stdout: string }>(['exec', '--lab', LAB, 't-eu', '--', 'vtysh', '-c', 'show work-queues bgpd']);
    const holds = bgpdHolds(r.stdout);
    expect(holds.map(([q]) => q)).toContain('process_queue');
    // The cases above took t-eu's session to fra down: its clear queue exists.
    expect(
      holds.some(([q]) => q.startsWith('clear ')),
      r.stdout,
    ).toBe(true);
    expect(holds.filter(([, ms]) => ms !== 0)).toEqual([]);
    const { Image } = await docker.getContainer(containerName(LAB, 't-eu')).inspect();
    expect((await docker.getImage(Image).inspect()).Config.Labels?.[BGPD_HOLDS_LABEL]).toBe('0');
  });

  it("routers' FRR sleeps until its next timer: t-eu's bfdd polls with a zero timeout a few times, not through every BFD packet", async () => {
    // Stock FRR 8.4 rounds the wait for its next timer down to whole ms and
    // spins through the rest (src/runtime/frr-poll.ts). Measured on this lab's
    // t-eu under strace, 3 s: stock, 1,257 zero-timeout polls for 273 BFD
    // packets sent; with the image's patch, 6 for 270. The bound, half a
    // zero poll per packet, sits 9x above the patched rate and 9x below the stock one.
    const name = containerName(LAB, 't-eu');
    const { zeroPolls, polls, sends } = await straceBfdd(name, 3);
    expect(sends, 'BFD packets t-eu sent in 3 s: BFD is running').toBeGreaterThan(60);
    expect(zeroPolls, `${zeroPolls} of ${polls} ppoll calls had a zero timeout, for ${sends} packets sent`).toBeLessThan(sends / 2);
    const { Image } = await docker.getContainer(name).inspect();
    expect((await docker.getImage(Image).inspect()).Config.Labels?.[FRR_POLL_LABEL]).toBe('ceil');
  });
});

/**
 * Traces the container's bfdd from the host (a container has no CAP_SYS_PTRACE)
 * for `seconds`: its ppoll calls, those with a zero timeout, and its sends.
 */
async function straceBfdd(container: string, seconds: number): Promise<{ polls: number; zeroPolls: number; sends: number }> {
  const top = await docker.getContainer(container).top({ ps_args: '-eo pid,args' });
  const pidCol = top.Titles.indexOf('PID');
  const bfdd = (top.Processes as string[][]).find((p) => p.some((col) => /\/usr\/lib\/frr\/bfdd\b/.test(col)));
  if (!bfdd) throw new Error(`no bfdd in ${container}: ${JSON.stringify(top.Processes)}`);
  const out = join(OUT, `strace-${container}.txt`);
  // strace runs until SIGINT; `timeout` sends it, and exits 124 for that.
  await new Promise<void>((resolve, reject) =>
    execFile('timeout', ['-s', 'INT', String(seconds), 'strace', '-qq', '-e', 'trace=ppoll,sendto', '-o', out, '-p', bfdd[pidCol]], (err) =>
      err && (err as { code?: unknown }).code !== 124 ? reject(err) : resolve(),
    ),
  );
  const lines = readFileSync(out, 'utf8').split('\n');
  return {
    polls: lines.filter((l) => l.startsWith('ppoll(')).length,
    zeroPolls: lines.filter((l) => l.startsWith('ppoll(') && /\{tv_sec=0, tv_nsec=0\}/.test(l)).length,
    sends: lines.filter((l) => l.startsWith('sendto(')).length,
  };
}
