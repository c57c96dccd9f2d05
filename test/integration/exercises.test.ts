// Issue "Workshop mode", exercises that grade themselves: every registered
// exercise is solvable, and its checker tells a broken lab from a fixed one.
// For each: `exercise start` → `check` fails (exit 1, passed=false) →
// `exercise solve --trainer` → `check` passes (exit 0). The lab is put back at the end.
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import { EXERCISES } from '../../src/exercise/index.js';
import type { StartResult } from '../../src/exercise/run.js';
import { type CliRun, lab, labJson, vtyshJson } from './cli.js';

const check = async (id: string): Promise<{ run: CliRun; result: CheckResult }> => {
  const run = await lab(['exercise', 'check', id, '--json']);
  return { run, result: JSON.parse(run.stdout) as CheckResult };
};

/** Real state each injection must leave, read without the exercise's own code. */
const INJECTED: Record<string, () => Promise<void>> = {
  'missing-bfd': async () => {
    const peers = await vtyshJson<{ peer: string }[]>('fra', 'show bfd peers');
    expect(peers).toEqual([]);
  },
  'drain-maintenance': async () => {
    for (const c of ['c-de', 'c-us', 'c-jp', 'c-br']) await recording('drain-maintenance', c);
  },
  'tcp-stream': async () => recording('tcp-stream', 'c-de'),
  'prefix-leak': async () => {
    const table = await vtyshJson<{ routes: Record<string, unknown> }>('t-ap', 'show bgp ipv4 unicast');
    expect(Object.keys(table.routes)).toContain('192.0.2.128/25');
  },
};

/** The recorder `start` leaves in a client: its pid file names a live process. */
const recording = async (id: string, client: string) => {
  const r = await lab(['exec', client, '--', 'sh', '-c', `kill -0 "$(cat /tmp/al-exercise-${id}.pid)" && wc -l < /tmp/al-exercise-${id}.ndjson`]);
  expect(r.code, `${client}: ${r.stderr}`).toBe(0);
};

describe('exercises (default lab)', () => {
  afterAll(async () => {
    // A start with no injection is the clean state: up, every override reset, every exercise's leftovers removed.
    const r = await lab(['exercise', 'start', 'prepend-catchment', '--json']);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each(EXERCISES.map((e) => e.id))('%s: start → check fails → solve → check passes', async (id) => {
    const started = await labJson<StartResult>(['exercise', 'start', id, '--json']);
    expect(started.id).toBe(id);
    await INJECTED[id]?.();

    const before = await check(id);
    expect(before.run.code, before.run.stderr).toBe(1);
    expect(before.result).toMatchObject({ id, passed: false });
    expect(before.result.criteria.some((c) => !c.passed)).toBe(true);
    for (const c of before.result.criteria) expect(c.reason).not.toBe('');

    const solved = await lab(['exercise', 'solve', id, '--trainer', '--json']);
    expect(solved.code, solved.stderr).toBe(0);

    const after = await check(id);
    expect(after.result.criteria.filter((c) => !c.passed)).toEqual([]);
    expect(after.result.passed).toBe(true);
    expect(after.run.code).toBe(0);
  });

  it('check without --json prints each criterion with PASS/FAIL and exits 1 when not solved', async () => {
    await labJson(['exercise', 'start', 'prepend-catchment', '--json']);
    const r = await lab(['exercise', 'check', 'prepend-catchment']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[FAIL\] c-us is answered by gru +c-us is answered by iad, want gru/);
    expect(r.stdout).toMatch(/NOT YET: 3\/4 criteria/);
  });

  it('an unknown exercise is a usage error naming the valid ones', async () => {
    const r = await lab(['exercise', 'check', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown exercise "nope"; exercises: ${EXERCISES.map((e) => e.id).join(', ')}`);
  });
});
