// Failover per address family: which families a run times, and how each
// family's trials, summary, report and verify verdicts sit side by side.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchRows, renderBench } from '../../src/bench/failover.js';
import { REPORT_BLOCKS } from '../../src/bench/report.js';
import { aimedFamilies, faultFamilyOf, measuredFamilies } from '../../src/experiment/failover.js';
import type { FailoverResult, TrialClient } from '../../src/experiment/failover-result.js';
import { FailoverResultSchema } from '../../src/experiment/failover-result-schema.js';
import { countStreams } from '../../src/experiment/failover-streams.js';
import { summarizeFailover } from '../../src/experiment/failover-summary.js';
import { familyTrial } from '../../src/experiment/trial-analysis.js';
import { faultMode } from '../../src/fault/index.js';
import { expectedPop } from '../../src/probe/ask-clients.js';
import { type ClientProbeRun, probeConfig } from '../../src/probe/run-probes.js';
import { type Sample, samplesOf } from '../../src/probe/sample.js';
import { movedFailoverMs, renderFailoverHtml } from '../../src/report/failover-html.js';
import { renderFailoverReport } from '../../src/report/failover-report.js';
import { SCHEMA_VERSION } from '../../src/schema-version.js';
import { loadLabFile } from '../../src/topology/load.js';
import { judgeFamilies } from '../../src/verify/judge.js';

const v4 = { name: 'default', families: ['ipv4' as const] };
const dual = { name: 'dual', families: ['ipv4' as const, 'ipv6' as const] };

describe('measuredFamilies', () => {
  it('times both families on a dual-stack lab unless one is asked for, IPv4 on an [ipv4] lab', () => {
    expect(measuredFamilies(dual)).toEqual(['ipv4', 'ipv6']);
    expect(measuredFamilies(dual, 'both')).toEqual(['ipv4', 'ipv6']);
    expect(measuredFamilies(dual, 'ipv6')).toEqual(['ipv6']);
    expect(measuredFamilies(dual, 'ipv4')).toEqual(['ipv4']);
    expect(measuredFamilies(v4)).toEqual(['ipv4']);
    expect(measuredFamilies(v4, 'ipv4')).toEqual(['ipv4']);
  });

  it('refuses IPv6 on a lab without it, naming the lab and its families', () => {
    expect(() => measuredFamilies(v4, 'ipv6')).toThrow('Expected `--family` to be ipv4 on lab "default" (families: ipv4), got "ipv6"');
    expect(() => measuredFamilies(v4, 'both')).toThrow(/got "both"/);
  });
});

const streams = { ...countStreams([], 'fra'), details: [] };
const client = (c: Partial<TrialClient> & Pick<TrialClient, 'client' | 'status'>): TrialClient => ({
  affected: false,
  fromPop: 'fra',
  toPop: null,
  failoverMs: null,
  detectMs: null,
  outageMs: 0,
  maxGapMs: 10,
  lostProbes: 0,
  maxLostRun: 0,
  popChanges: 0,
  popSequence: ['fra'],
  failedAfterFault: 0,
  failbackMs: 800,
  failbackOutageMs: 30,
  tcpDns: { status: 'stayed-ok', failoverMs: null, outageMs: 0 },
  http: { status: 'stayed-ok', failoverMs: null, outageMs: 0 },
  streams,
  probes: { samples: 1000, lostSamples: 0, udpPerS: 100, udpMissing: 0, cpuMs: 50 },
  ...c,
});
const moved = (name: string, ms: number, to = 'ams') =>
  client({
    client: name,
    status: 'moved',
    affected: true,
    toPop: to,
    failoverMs: ms,
    detectMs: ms + 20,
    outageMs: ms,
    popChanges: 1,
    popSequence: ['fra', to],
  });

const bound = { ms: 300, basis: 'BFD 100 ms × 3' };
const trial = (n: number, clients: TrialClient[]) => ({
  trial: n,
  phaseDelayMs: 42,
  faultMs: 0,
  faultAtUnixMs: 1_800_000_000_000,
  restoreMs: 2000,
  injectMs: 5,
  allMoved: true,
  failbackMs: 800,
  baselineAfterMs: 3000,
  clients,
  routers: [],
  health: [],
});

/** Two trials of c-de leaving fra: IPv4 at 320/340 ms, IPv6 at `v6` ms (null: no IPv6 side). */
function result(v6: [number, number] | null, family?: 'ipv4'): FailoverResult {
  const trials = [trial(1, [moved('c-de', 320), client({ client: 'c-us', status: 'stayed-ok' })]), trial(2, [moved('c-de', 340)])];
  const ipv6Trials = v6 ? v6.map((ms, i) => ({ trial: i + 1, allMoved: true, failbackMs: 850, clients: [moved('c-de', ms)] })) : [];
  return {
    schemaVersion: SCHEMA_VERSION,
    lab: v6 || family ? 'dual' : 'default',
    pop: 'fra',
    fault: 'freeze',
    detection: 'silent',
    bfd: '100x3',
    timers: { keepaliveS: 3, holdS: 9 },
    bound,
    seed: 16,
    phaseSpanMs: 100,
    probeIntervalMs: 10,
    trials,
    summary: summarizeFailover(trials, bound),
    ...(v6 || family ? { family: family ?? 'ipv4', faultFamily: 'both' as const } : {}),
    ...(v6 ? { ipv6: { trials: ipv6Trials, summary: summarizeFailover(ipv6Trials, bound) } } : {}),
    wallMs: 10_000,
  };
}

describe('aimedFamilies: failover --fault-family', () => {
  const service = faultMode('service');
  it('an IPv6-only fault is timed on IPv6 by default; no aim keeps measuredFamilies', () => {
    expect(aimedFamilies(dual, service, undefined, 'ipv6')).toEqual(['ipv6']);
    expect(aimedFamilies(dual, service, 'ipv6', 'ipv6')).toEqual(['ipv6']);
    expect(aimedFamilies(dual, faultMode('silent'), undefined, 'ipv4')).toEqual(['ipv4']);
    expect(aimedFamilies(dual, faultMode('freeze'))).toEqual(['ipv4', 'ipv6']);
    expect(aimedFamilies(v4, faultMode('freeze'), 'ipv4')).toEqual(['ipv4']);
  });

  it('refuses timing a family the aimed fault leaves alone', () => {
    expect(() => aimedFamilies(dual, service, 'both', 'ipv6')).toThrow(
      'Expected `--family` to be ipv6 with `--fault-family ipv6` (a ipv6-only fault moves no ipv4 client), got "both"',
    );
    expect(() => aimedFamilies(dual, service, 'ipv4', 'ipv6')).toThrow(/moves no ipv4 client/);
  });

  it('refuses a mode that cannot aim, and an aim on a single-stack lab, naming --fault-family', () => {
    expect(() => aimedFamilies(dual, faultMode('freeze'), undefined, 'ipv6')).toThrow(
      'fault mode "freeze" hits every family at once; --fault-family works with silent, service',
    );
    expect(() => aimedFamilies(v4, service, undefined, 'ipv4')).toThrow(/--fault-family ipv4 needs a dual-stack lab/);
  });
});

describe('the family the fault hit (faultFamily)', () => {
  it('is the aimed family, or both for the PoP as a whole, on a dual-stack lab; absent on an [ipv4] lab', () => {
    expect(faultFamilyOf(dual, 'ipv6')).toBe('ipv6');
    expect(faultFamilyOf(dual, 'ipv4')).toBe('ipv4');
    expect(faultFamilyOf(dual)).toBe('both');
    expect(faultFamilyOf(v4)).toBeUndefined();
  });

  /** An IPv6-only service fault, timed on IPv6 (the top level). */
  const aimed = (): FailoverResult => ({ ...result(null, 'ipv4'), fault: 'service', detection: 'service', family: 'ipv6', faultFamily: 'ipv6' });

  it('the console report names it in its first line', () => {
    expect(renderFailoverReport(aimed()).split('\n')[0]).toMatch(/^failover: service \(ipv6 only\) fra \(lab dual\), BFD 100x3/);
    expect(renderFailoverReport(result([330, 360])).split('\n')[0]).toMatch(/^failover: freeze \(both families\) fra \(lab dual\)/);
    expect(renderFailoverReport(result(null)).split('\n')[0]).toMatch(/^failover: freeze fra \(lab default\)/);
  });

  it('report.html names it in its title and heading', () => {
    const html = renderFailoverHtml(aimed(), {});
    expect(html).toContain('<title>failover: service (ipv6 only) fra, BFD 100x3 (lab dual)</title>');
    expect(html).toContain('<h1>failover: service (ipv6 only) fra, BFD 100x3 (lab dual)</h1>');
    expect(renderFailoverHtml(result([330, 360]), {})).toContain('<h1>failover: freeze (both families) fra');
    expect(renderFailoverHtml(result(null), {})).toContain('<h1>failover: freeze fra, BFD 100x3 (lab default)</h1>');
  });

  it('fits the published schema: ipv4, ipv6 or both', () => {
    for (const faultFamily of ['ipv4', 'ipv6', 'both'] as const) expect(FailoverResultSchema.safeParse({ ...aimed(), faultFamily }).success).toBe(true);
    expect(FailoverResultSchema.safeParse({ ...aimed(), faultFamily: 'ipv5' }).success).toBe(false);
  });
});

describe('a dual-stack failover result', () => {
  it('the console report shows the IPv6 movers and both families side by side', () => {
    const out = renderFailoverReport(result([330, 360]));
    expect(out).toContain('family: ipv4 below, ipv6 after it');
    expect(out).toContain('ipv6, the same trials:');
    expect(out).toMatch(/trial 1: c-de fra→ams moved failover 330 ms/);
    expect(out).toMatch(/per family\s+ipv4\s+ipv6/);
    expect(out).toMatch(/moved\s+2\/2\s+2\/2/);
    expect(out).toMatch(/failover p50\s+320 ms\s+330 ms/);
    expect(out).toMatch(/failover max\s+340 ms\s+360 ms/);
    expect(out).toContain('ipv6 p50 / ipv4 p50: 1.03×');
  });

  it('the console report gives each watched router’s /48 FIB change', () => {
    const r = result([330, 360]);
    const router = { router: 't-eu', role: 'neighbour' as const, bfdDownMs: 300, holdExpiredMs: null, bgpDownMs: 301, routeChangeMs: 305 };
    r.trials[0].routers = [{ ...router, routeChange6Ms: 312 }];
    r.trials[1].routers = [{ ...router, routeChange6Ms: null }];
    expect(renderFailoverReport(r)).toContain('/48 FIB change per watched router, ms from the fault: trial 1: t-eu 312 ms  |  trial 2: t-eu -');
    expect(FailoverResultSchema.safeParse(r).success).toBe(true);
  });

  it('an [ipv4] lab’s report has no family in it', () => {
    const out = renderFailoverReport(result(null));
    expect(out).not.toMatch(/family|ipv6/);
  });

  it('report.html draws one CDF curve per family', () => {
    const html = renderFailoverHtml(result([330, 360]), {});
    expect(html).toContain('ipv4: freeze, BFD 100x3');
    expect(html).toContain('ipv6: freeze, BFD 100x3');
    expect(movedFailoverMs(result([330, 360]).ipv6!)).toEqual([330, 360]);
  });

  it('verify bounds apply to each family, each verdict named by its family', () => {
    const bounds = { p50Ms: 350, maxMs: 350 };
    const v = judgeFamilies({ expect: { 'c-de': 'ams' }, bounds }, result([330, 400]));
    expect(v.map((x) => [x.bound, x.measured, x.pass])).toEqual([
      ['ipv4 expect c-de', '2/2 on ams', true],
      ['ipv4 p50', '320 ms', true],
      ['ipv4 max', '340 ms', true],
      ['ipv6 expect c-de', '2/2 on ams', true],
      ['ipv6 p50', '330 ms', true],
      ['ipv6 max', '400 ms', false],
    ]);
  });

  it('an [ipv4] lab’s verdicts keep their names; --family ipv4 on a dual lab names its one family', () => {
    expect(judgeFamilies({ expect: {}, bounds: { p50Ms: 350 } }, result(null)).map((x) => x.bound)).toEqual(['p50']);
    expect(judgeFamilies({ expect: {}, bounds: { p50Ms: 350 } }, result(null, 'ipv4')).map((x) => x.bound)).toEqual(['ipv4 p50']);
  });

  it('the result with its IPv6 side fits the published schema', () => {
    expect(FailoverResultSchema.safeParse(result([330, 360])).success).toBe(true);
    expect(FailoverResultSchema.safeParse({ ...result([330, 360]), family: 'ipv5' }).success).toBe(false);
  });
});

describe('familyTrial: each family judged from its own samples', () => {
  /** UDP answers every 10 ms from t=0 to 3000: `pop` before the move, `to` after it, nothing in between. */
  const udp = (family: 'ipv4' | 'ipv6' | undefined, lastOld: number, firstNew: number, pop = 'fra', to = 'ams'): Sample[] => {
    const out: Sample[] = [];
    for (let t = 0, seq = 0; t < 3000; t += 10, seq++) {
      const base = { client: 'c-de', kind: 'udp-dns' as const, seq, sentMs: t, ...(family ? { family } : {}) };
      if (t <= lastOld) out.push({ ...base, recvMs: t + 1, rttMs: 1, pop, outcome: 'ok' });
      else if (t >= firstNew) out.push({ ...base, recvMs: t + 1, rttMs: 1, pop: t >= 2500 ? pop : to, outcome: 'ok' });
      else out.push({ ...base, outcome: 'timeout' });
    }
    return out;
  };
  const run = (samples: Sample[]): ClientProbeRun => ({ client: 'c-de', samples, invalid: [], stderr: '', exitCode: 0, lostSamples: 0 });
  const args = { trial: 1, allMoved: true, faultMs: 1000, restoreMs: 2400, pop: 'fra', failedPop: 'fra', udpIntervalMs: 10 };

  it('times IPv4 and IPv6 apart when one agent probed both', () => {
    // IPv4 moves after ~300 ms, IPv6 after ~500 ms: the same run, tagged samples.
    const both = [...udp('ipv4', 1000, 1300), ...udp('ipv6', 1000, 1500)].sort((a, b) => a.sentMs - b.sentMs);
    const v4 = familyTrial([run(both)], 'ipv4', { ...args, dual: true, affected: ['c-de'] });
    const v6 = familyTrial([run(both)], 'ipv6', { ...args, dual: true, affected: ['c-de'] });
    expect(v4.clients[0]).toMatchObject({ status: 'moved', fromPop: 'fra', toPop: 'ams', failoverMs: 300 });
    expect(v6.clients[0]).toMatchObject({ status: 'moved', fromPop: 'fra', toPop: 'ams', failoverMs: 500 });
    expect(v4.clients[0].probes.samples).toBe(300);
  });

  it('a client on another PoP over IPv6 is not a mover there', () => {
    const both = [...udp('ipv4', 1000, 1300), ...udp('ipv6', 3000, 3000, 'nrt')];
    const v6 = familyTrial([run(both)], 'ipv6', { ...args, dual: true, affected: [] });
    expect(v6.clients[0]).toMatchObject({ affected: false, status: 'stayed-ok', fromPop: 'nrt' });
  });

  it('an [ipv4] lab’s untagged samples are IPv4', () => {
    const v4 = familyTrial([run(udp(undefined, 1000, 1300))], 'ipv4', { ...args, dual: false, affected: ['c-de'] });
    expect(v4.clients[0]).toMatchObject({ status: 'moved', failoverMs: 300 });
    expect(samplesOf(udp(undefined, 1000, 1300), 'ipv6')).toEqual([]);
  });
});

describe('labs/dual-stack.yaml as resolved', () => {
  const dualLab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'dual-stack.yaml'));

  it('is timed on both families, its probes get the IPv6 service addresses, c-jp is promised fra over IPv6', () => {
    expect(measuredFamilies(dualLab)).toEqual(['ipv4', 'ipv6']);
    expect(probeConfig(dualLab, 'c-jp', 'r1', 1000).ipv6).toEqual({
      dns: { address: '2001:db8::53', port: 53 },
      http: { address: '2001:db8::80', port: 80 },
      stream: { address: '2001:db8::80', port: 7000 },
    });
    const jp = dualLab.clients.find((c) => c.name === 'c-jp')!;
    expect([expectedPop(jp, 'ipv4'), expectedPop(jp, 'ipv6')]).toEqual(['nrt', 'fra']);
  });
});

describe('the failover bench per family', () => {
  const c = { fault: 'freeze', bfd: '100x3' };

  it('one row per family from a dual-stack run, one unlabelled row from an [ipv4] one', () => {
    const rows = benchRows(c, result([330, 360]));
    expect(rows.map((r) => [r.family, r.failoverMs.p50, r.failoverValuesMs])).toEqual([
      ['ipv4', 320, [320, 340]],
      ['ipv6', 330, [330, 360]],
    ]);
    const [only] = benchRows(c, result(null));
    expect(only).not.toHaveProperty('family');
    expect(renderBench([only])).not.toContain('family');
    const text = renderBench(rows);
    expect(text).toMatch(/fault\s+bfd\s+family\s+n\s+moved/);
    expect(text).toMatch(/freeze\s+100x3\s+ipv6\s+2\s+2\/2\s+330\s+330\s+360\s+360/);
  });

  it('the docs table from a result file puts the families side by side, with IPv6 p50 against IPv4 p50', () => {
    const dual = REPORT_BLOCKS.find((b) => b.id === 'failover-dual')!;
    const single = REPORT_BLOCKS.find((b) => b.id === 'failover')!;
    const doc = { lab: 'dual', pop: 'fra', trialsPerCase: 2, modes: 'freeze', bfds: '100x3', rows: benchRows(c, result([330, 360])) };
    expect([dual.fits(doc), single.fits(doc)]).toEqual([true, false]);
    const md = dual.render(doc, 'failover-x.json');
    expect(md).toContain('`npm run bench -- failover --lab dual --trials 2 --modes freeze --bfd 100x3`');
    expect(md).toContain('| fault | BFD | family | trials |');
    expect(md).toContain('| freeze | 100x3 | ipv4 | 2 | 320 | 320 | 340 | 340 |');
    expect(md).toContain('| freeze | 100x3 | ipv6 | 2 | 330 | 330 | 360 | 360 |');
    expect(md).toContain('IPv6 p50 against IPv4 p50, same trials: freeze 100x3: 330 vs 320 ms, +3.1 %.');
    // An [ipv4] lab's file is the default matrix's block, its table as before.
    const v4doc = { ...doc, lab: 'default', rows: benchRows(c, result(null)) };
    expect([dual.fits(v4doc), single.fits(v4doc)]).toEqual([false, true]);
    const v4 = single.render(v4doc, 'failover-x.json');
    expect(v4).toContain('| fault | BFD | trials |');
    expect(v4).toContain('`npm run bench -- failover --trials 2 --modes freeze --bfd 100x3`');
  });
});
