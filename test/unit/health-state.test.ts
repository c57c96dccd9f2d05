// The health state machine as a table of check sequences.
import { describe, expect, it } from 'vitest';
import type { BgpAction, HealthPhase, HealthPolicy, TransitionLabel } from '../../src/agent/pop/health-state.js';
import { checkPolicy, initialHealthState, shouldAnnounce, stepDrain, stepHealth, wantsAnnounce } from '../../src/agent/pop/health-state.js';

const POLICY: HealthPolicy = { failures: 3, holdDownMs: 2000 };
const INTERVAL = 200;

/** 'x' = failed check, '.' = good check, one every INTERVAL ms. */
function run(checks: string, policy = POLICY) {
  let state = initialHealthState(0);
  const actions: Array<[number, BgpAction]> = [];
  const labels: TransitionLabel[] = [];
  [...checks].forEach((c, i) => {
    const step = stepHealth(state, { ok: c === '.', atMs: (i + 1) * INTERVAL, reason: 'timeout' }, policy);
    state = step.state;
    if (step.action) actions.push([i, step.action]);
    if (step.transition) labels.push(step.transition.label);
  });
  return { phase: state.phase, announced: shouldAnnounce(state.phase), actions, labels, failures: state.consecutiveFailures };
}

const holdDownChecks = POLICY.holdDownMs / INTERVAL; // 10 intervals after the first good check

describe('stepHealth', () => {
  it.each<[string, string, HealthPhase, Array<[number, BgpAction]>]>([
    ['all good', '..........', 'healthy', []],
    ['3 failures withdraw', 'xxx', 'withdrawn', [[2, 'withdraw']]],
    ['2 failures then ok: no withdraw', 'xx.', 'healthy', []],
    ['failures must be consecutive', 'xx.xx.xx.', 'healthy', []],
    ['more failures after withdraw: one withdraw only', 'xxxxxxx', 'withdrawn', [[2, 'withdraw']]],
    ['recovery shorter than hold-down stays withdrawn', `xxx${'.'.repeat(holdDownChecks)}`, 'recovering', [[2, 'withdraw']]],
    [
      'recovery as long as hold-down re-announces',
      `xxx${'.'.repeat(holdDownChecks + 1)}`,
      'healthy',
      [
        [2, 'withdraw'],
        [3 + holdDownChecks, 'announce'],
      ],
    ],
    ['flapping never re-announces', `xxx${'.....x'.repeat(10)}`, 'withdrawn', [[2, 'withdraw']]],
    ['one failure during hold-down restarts it', `xxx${'.'.repeat(9)}x${'.'.repeat(10)}`, 'recovering', [[2, 'withdraw']]],
    [
      'withdraw again after re-announce',
      `xxx${'.'.repeat(holdDownChecks + 1)}xxx`,
      'withdrawn',
      [
        [2, 'withdraw'],
        [13, 'announce'],
        [16, 'withdraw'],
      ],
    ],
  ])('%s: %s', (_name, checks, phase, actions) => {
    const r = run(checks);
    expect(r.phase).toBe(phase);
    expect(r.actions).toEqual(actions);
  });

  it('logs each transition of the full cycle once', () => {
    expect(run(`xxx${'.'.repeat(holdDownChecks + 1)}`).labels).toEqual(['failing', 'withdrawn', 'recovering', 'announced']);
    expect(run('x.').labels).toEqual(['failing', 'healthy']);
  });

  it('stays announced while failing below the threshold', () => {
    expect(run('xx')).toMatchObject({ phase: 'failing', announced: true, failures: 2 });
  });

  it('with failures=1 the first failure withdraws', () => {
    expect(run('x', { failures: 1, holdDownMs: 2000 }).actions).toEqual([[0, 'withdraw']]);
  });

  it('with holdDown 0 the first good check re-announces', () => {
    expect(run('xxx.', { failures: 3, holdDownMs: 0 }).actions).toEqual([
      [2, 'withdraw'],
      [3, 'announce'],
    ]);
  });

  it('measures hold-down by timestamps, not by counting checks', () => {
    let s = stepHealth(initialHealthState(0), { ok: false, atMs: 1 }, { failures: 1, holdDownMs: 2000 }).state;
    s = stepHealth(s, { ok: true, atMs: 1000 }, POLICY).state;
    expect(stepHealth(s, { ok: true, atMs: 2999 }, POLICY).action).toBeNull();
    expect(stepHealth(s, { ok: true, atMs: 3000 }, POLICY).action).toBe('announce');
  });

  it('rejects a nonsensical policy', () => {
    expect(() => checkPolicy({ failures: 0, holdDownMs: 1 })).toThrow(/failures/);
    expect(() => checkPolicy({ failures: 1, holdDownMs: -1 })).toThrow(/holdDownMs/);
  });
});

/** As `run`, plus 'D' = the drain marker appears, 'U' = it is removed (no check on that tick). */
function runDrain(script: string, policy = POLICY) {
  let state = initialHealthState(0);
  const actions: Array<[number, BgpAction]> = [];
  const labels: TransitionLabel[] = [];
  [...script].forEach((c, i) => {
    const step =
      c === 'D' || c === 'U' ? stepDrain(state, c === 'D') : stepHealth(state, { ok: c === '.', atMs: (i + 1) * INTERVAL, reason: 'timeout' }, policy);
    state = step.state;
    if (step.action) actions.push([i, step.action]);
    if (step.transition) labels.push(step.transition.label);
  });
  return { phase: state.phase, drained: state.drained, announced: wantsAnnounce(state), actions, labels };
}

describe('stepDrain (operator drain)', () => {
  it.each<[string, string, boolean, Array<[number, BgpAction]>]>([
    ['drain a healthy PoP withdraws at once', '..D', false, [[2, 'withdraw']]],
    ['drained, good checks keep it withdrawn', `D${'.'.repeat(20)}`, false, [[0, 'withdraw']]],
    ['drained, failures move no route', 'Dxxx...', false, [[0, 'withdraw']]],
    [
      'undrain a healthy PoP announces at once',
      'D..U',
      true,
      [
        [0, 'withdraw'],
        [3, 'announce'],
      ],
    ],
    ['drain twice is one withdraw', 'DD.', false, [[0, 'withdraw']]],
    ['undrain without a drain does nothing', '.U.', true, []],
    ['drain a PoP the checks already withdrew: no second withdraw', 'xxxD', false, [[2, 'withdraw']]],
    ['undrain an unhealthy PoP waits for its hold-down', 'DxxxU..', false, [[0, 'withdraw']]],
    [
      'undrain, then the hold-down re-announces',
      `DxxxU${'.'.repeat(holdDownChecks + 1)}`,
      true,
      [
        [0, 'withdraw'],
        [5 + holdDownChecks, 'announce'],
      ],
    ],
    [
      'fails while drained, recovers, then undrain announces',
      `Dxxx${'.'.repeat(holdDownChecks + 1)}U`,
      true,
      [
        [0, 'withdraw'],
        [5 + holdDownChecks, 'announce'],
      ],
    ],
  ])('%s: %s', (_name, script, announced, actions) => {
    const r = runDrain(script);
    expect(r.announced).toBe(announced);
    expect(r.actions).toEqual(actions);
  });

  it('logs drained and undrained, with the phase unchanged', () => {
    expect(runDrain('.D.U').labels).toEqual(['drained', 'undrained']);
    const t = stepDrain(initialHealthState(0), true).transition;
    expect(t).toMatchObject({ from: 'healthy', to: 'healthy', label: 'drained' });
  });
});
