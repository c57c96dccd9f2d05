// Measured failover result + bounds → one verdict per bound, the measured
// value beside it. Tables of trials, no containers.
import { describe, expect, it } from 'vitest';
import type { ClientStatus } from '../../src/experiment/failover-clients.js';
import type { VerifyBounds } from '../../src/topology/model.js';
import { type JudgedRun, judge } from '../../src/verify/judge.js';

interface Row {
  client: string;
  status?: ClientStatus;
  toPop?: string | null;
  failoverMs?: number | null;
  failbackOutageMs?: number | null;
  lostProbes?: number;
  failedAfterFault?: number;
  popChanges?: number;
}

/** Trials of c-de moving fra → iad with these failover times; c-us stays ok. */
function run(failovers: (number | null)[], extra: (t: number) => Row[] = () => []): JudgedRun {
  return {
    trials: failovers.map((ms, i) => ({
      trial: i + 1,
      clients: [
        mover({ client: 'c-de', failoverMs: ms, status: ms === null ? 'not-moved' : 'moved', toPop: ms === null ? null : 'iad' }),
        other({ client: 'c-us' }),
        ...extra(i + 1).map((r) => (r.client === 'c-de' ? mover(r) : other(r))),
      ],
    })),
  };
}
const mover = (r: Row) => ({
  affected: true,
  status: 'moved' as ClientStatus,
  toPop: 'iad',
  failoverMs: 300,
  failbackOutageMs: 40,
  lostProbes: 30,
  failedAfterFault: 30,
  popChanges: 1,
  ...r,
});
const other = (r: Row) => ({
  affected: false,
  status: 'stayed-ok' as ClientStatus,
  toPop: null,
  failoverMs: null,
  failbackOutageMs: null,
  lostProbes: 0,
  failedAfterFault: 0,
  popChanges: 0,
  ...r,
});

const expectDe = { 'c-de': 'iad' };
const TEN = [280, 300, 310, 320, 330, 340, 350, 360, 420, 460];

describe('judge', () => {
  const cases: { name: string; bounds: VerifyBounds; run: JudgedRun; expect?: Record<string, string>; verdicts: [string, string, boolean][] }[] = [
    {
      name: 'the default lab promise holds: nearest-rank p50 and max beside their bounds',
      bounds: { p50Ms: 450, maxMs: 700 },
      run: run(TEN),
      verdicts: [
        ['expect c-de', '10/10 on iad', true],
        ['p50', '330 ms', true],
        ['max', '460 ms', true],
      ],
    },
    {
      name: 'an impossible bound fails with the measured value',
      bounds: { maxMs: 1 },
      run: run(TEN),
      verdicts: [
        ['expect c-de', '10/10 on iad', true],
        ['max', '460 ms', false],
      ],
    },
    {
      name: 'a bound equal to the measured value passes (≤)',
      bounds: { p95Ms: 460 },
      run: run(TEN),
      verdicts: [
        ['expect c-de', '10/10 on iad', true],
        ['p95', '460 ms', true],
      ],
    },
    {
      name: 'a client that lands on the wrong PoP fails the catchment, trial named',
      bounds: {},
      run: run([300, 300], (t) => (t === 2 ? [] : [])),
      expect: { 'c-de': 'gru' },
      verdicts: [['expect c-de', '0/2 on gru (trial 1: moved to iad; trial 2: moved to iad)', false]],
    },
    {
      name: 'nobody moved: the time bound fails with the reason, not a number',
      bounds: { maxMs: 700 },
      run: run([null]),
      verdicts: [
        ['expect c-de', '0/1 on iad (trial 1: not-moved)', false],
        ['max', 'no client moved (1 judged)', false],
      ],
    },
    {
      name: 'collateral, flaps and lost probes outside the move are counted per client-trial',
      bounds: { collateral: 0, flaps: 0, lost: 0 },
      run: run([300, 300], (t) =>
        t === 1
          ? [other({ client: 'c-jp', status: 'collateral', lostProbes: 4 }), other({ client: 'c-br', status: 'flapped', popChanges: 2 })]
          : [other({ client: 'c-jp', lostProbes: 1 })],
      ),
      verdicts: [
        ['expect c-de', '2/2 on iad', true],
        ['collateral', '1', false],
        ['flaps', '1', false],
        ['lost', '5', false],
      ],
    },
    {
      name: "a mover's probes lost after its failover gap count as lost; those inside it do not",
      bounds: { lost: 2 },
      run: { trials: [{ trial: 1, clients: [mover({ client: 'c-de', lostProbes: 30, failedAfterFault: 33 })] }] },
      verdicts: [
        ['expect c-de', '1/1 on iad', true],
        ['lost', '3', false],
      ],
    },
    {
      name: 'failback: the longest gap around it; a mover that never came back fails it',
      bounds: { failbackMs: 2000 },
      run: {
        trials: [
          { trial: 1, clients: [mover({ client: 'c-de', failbackOutageMs: 120 })] },
          { trial: 2, clients: [mover({ client: 'c-de', failbackOutageMs: null })] },
        ],
      },
      verdicts: [
        ['expect c-de', '2/2 on iad', true],
        ['failback', '1 never came back', false],
      ],
    },
  ];

  it.each(cases)('$name', (c) => {
    const verdicts = judge({ expect: c.expect ?? expectDe, bounds: c.bounds }, c.run);
    expect(verdicts.map((v) => [v.bound, v.measured, v.pass])).toEqual(c.verdicts);
  });

  it('without `expect`, every client that was on the failed PoP is judged for time', () => {
    const [v] = judge({ expect: {}, bounds: { maxMs: 400 } }, run(TEN));
    expect(v).toEqual({ bound: 'max', limit: '≤ 400 ms', measured: '460 ms', value: 460, pass: false });
  });
});
