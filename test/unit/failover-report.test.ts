import { describe, expect, it } from 'vitest';
import type { FailoverResult, TrialClient } from '../../src/experiment/failover-result.js';
import { countStreams } from '../../src/experiment/failover-streams.js';
import { summarizeFailover } from '../../src/experiment/failover-summary.js';
import { cdfPoints, niceMax, renderCdf } from '../../src/report/cdf-svg.js';
import { movedFailoverMs, renderFailoverHtml } from '../../src/report/failover-html.js';
import { renderFailoverReport } from '../../src/report/failover-report.js';

// No streams at all: every count 0.
const streams = { ...countStreams([], 'fra'), details: [] };
const client = (c: Partial<TrialClient> & Pick<TrialClient, 'client' | 'status'>): TrialClient => ({
  affected: false,
  fromPop: 'iad',
  toPop: null,
  failoverMs: null,
  detectMs: null,
  outageMs: 0,
  maxGapMs: 10,
  lostProbes: 0,
  maxLostRun: 0,
  popChanges: 0,
  popSequence: ['iad'],
  failedAfterFault: 0,
  failbackMs: null,
  failbackOutageMs: null,
  tcpDns: { status: 'stayed-ok', failoverMs: null, outageMs: 0 },
  http: { status: 'stayed-ok', failoverMs: null, outageMs: 0 },
  streams,
  probes: { samples: 1000, lostSamples: 0, udpPerS: 100, udpMissing: 0, cpuMs: 50 },
  ...c,
});

function result(clients: TrialClient[]): FailoverResult {
  const trials = [
    {
      trial: 1,
      phaseDelayMs: 42,
      faultMs: 0,
      faultAtUnixMs: 1_800_000_000_000,
      restoreMs: 2000,
      injectMs: 5,
      allMoved: true,
      failbackMs: 900,
      baselineAfterMs: 3000,
      clients,
      routers: [],
      health: [],
    },
  ];
  const bound = { ms: 300, basis: 'BFD 100 ms × 3' };
  return {
    schemaVersion: 1,
    lab: 'default',
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
    wallMs: 10_000,
  };
}

describe('failover console report', () => {
  const mover = client({
    client: 'c-de',
    affected: true,
    status: 'moved',
    fromPop: 'fra',
    toPop: 'iad',
    failoverMs: 330,
    detectMs: 320,
    outageMs: 330,
    lostProbes: 32,
    popChanges: 1,
    popSequence: ['fra', 'iad', 'fra'],
    failbackMs: 900,
  });

  it('counts every client-trial by verdict and gives the seed to replay', () => {
    const out = renderFailoverReport(result([mover, client({ client: 'c-us', status: 'stayed-ok' })]));
    expect(out).toContain('every client, every trial: 1 moved, 1 stayed-ok');
    expect(out).toContain('seed 16 (replay: --seed 16)');
    expect(out).toContain('fra→iad→fra');
    // A client that stayed and saw nothing gets no row of its own.
    expect(out).not.toMatch(/^\s*1\s+c-us/m);
  });

  it('shows a collateral client in the table, in its own colour on a terminal', () => {
    const hurt = client({ client: 'c-us', status: 'collateral', outageMs: 120, lostProbes: 11, maxLostRun: 11 });
    const plain = renderFailoverReport(result([mover, hurt]));
    expect(plain).toMatch(/c-us\s+iad\s+-\s+collateral/);
    expect(plain).not.toContain('\x1b[');
    const coloured = renderFailoverReport(result([mover, hurt]), { color: true });
    const row = coloured.split('\n').find((l) => l.includes('collateral') && l.includes('c-us'))!;
    expect(row.startsWith('\x1b[35m')).toBe(true);
    expect(
      coloured
        .split('\n')
        .find((l) => l.includes('c-de') && l.includes('moved'))!
        .startsWith('\x1b['),
    ).toBe(false);
    expect(coloured).toContain('1 collateral');
  });
});

describe('failover HTML report and its CDF', () => {
  const mover = (name: string, ms: number) =>
    client({ client: name, affected: true, status: 'moved', fromPop: 'fra', toPop: 'iad', failoverMs: ms, detectMs: ms, outageMs: ms, popChanges: 1 });

  it('niceMax rounds up to 1, 2 or 5 × 10^n; cdfPoints steps through the sorted values', () => {
    expect([0, 0.7, 1, 3, 7, 330, 1200].map(niceMax)).toEqual([1, 1, 1, 5, 10, 500, 2000]);
    expect(cdfPoints([300, Number.NaN, 100, 200, 400])).toEqual([
      { x: 100, y: 0.25 },
      { x: 200, y: 0.5 },
      { x: 300, y: 0.75 },
      { x: 400, y: 1 },
    ]);
  });

  it('draws one step line per series, the bound dashed, n and the bound in the legend', () => {
    const svg = renderCdf('t', [
      { label: 'freeze, BFD 100x3', values: [310, 330, 350], boundMs: 300 },
      { label: 'freeze, BFD off', values: [6900, 8100], boundMs: 9000 },
    ]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('n=3, bound 300 ms (dashed)');
    expect(svg).toContain('freeze, BFD off');
    // x axis to a round 10 s: the largest value is 9 s.
    expect(svg).toContain('>10000 ms<');
  });

  it('is one offline page: the CDF of the movers against the bound, the console report, each trial timeline inlined', () => {
    const r = result([mover('c-de', 330), client({ client: 'c-us', status: 'stayed-ok' })]);
    expect(movedFailoverMs(r)).toEqual([330]);
    const html = renderFailoverHtml(r, { 1: '<svg id="trial-1"></svg>' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>failover: freeze fra, BFD 100x3 (lab default)</title>');
    expect(html).toContain('n=1, bound 300 ms (dashed)');
    expect(html).toContain('<svg id="trial-1"></svg>');
    expect(html).toContain('c-de');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('control-plane line', () => {
  const mover = (name: string, ms: number) =>
    client({ client: name, affected: true, status: 'moved', fromPop: 'fra', toPop: 'iad', failoverMs: ms, detectMs: ms, outageMs: ms, popChanges: 1 });

  it("shows each trial's traced control plane in the console report and on its section of report.html", () => {
    const r = result([mover('c-de', 330)]);
    const line =
      't-eu: BFD down +267.9 ms → BGP down +268.2 → bestpath +328.5 → to zebra +328.6 → zebra rib +338.8 → netlink +338.9 → FIB +338.6 → first iad answer +352.0';
    const steps = { 'bfdd-down': 267.9, 'bgp-down': 268.2, bestpath: 328.5, 'bgp-to-zebra': 328.6, 'zebra-rib': 338.8, 'zebra-kernel': 338.9 };
    r.trials[0].controlPlane = { router: 't-eu', steps, fibMs: 338.6, firstAnswerMs: 352, firstAnswerPop: 'iad', line };
    expect(renderFailoverReport(r)).toContain(`  trial 1: ${line}`);
    expect(renderFailoverHtml(r, { 1: '<svg id="trial-1"></svg>' })).toContain(`<h2>trial 1</h2>\n<p>control plane: ${line}</p>`);
  });

  it('is left out when no trial was traced', () => {
    expect(renderFailoverReport(result([mover('c-de', 330)]))).not.toContain('control plane');
  });
});

describe('failover bench page', () => {
  it('draws a CDF line per case that ran, and leaves out a case that could not run', async () => {
    const { renderBenchCdfHtml } = await import('../../src/bench/failover.js');
    const row = (fault: string, bfd: string, values: number[] | undefined, error?: string) =>
      ({ fault, bfd, failoverValuesMs: values, boundMs: 300, ...(error ? { error } : {}) }) as Parameters<typeof renderBenchCdfHtml>[3][number];
    const html = renderBenchCdfHtml('default', 'fra', 10, [
      row('freeze', '100x3', [310, 320]),
      row('freeze', '10x3', undefined, 'BFD at 10 ms never settled'),
      row('silent', '100x3', [330]),
    ]);
    expect(html.match(/<path /g)).toHaveLength(2);
    expect(html).toContain('freeze, BFD 100x3');
    expect(html).toContain('silent, BFD 100x3');
    expect(html).not.toContain('10x3');
    expect(html).toContain('10 trials per case');
  });
});
