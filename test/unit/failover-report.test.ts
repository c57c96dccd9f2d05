import { describe, expect, it } from 'vitest';
import type { FailoverResult, TrialClient } from '../../src/experiment/failover-result.js';
import { countStreams } from '../../src/experiment/failover-streams.js';
import { summarizeFailover } from '../../src/experiment/failover-summary.js';
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
