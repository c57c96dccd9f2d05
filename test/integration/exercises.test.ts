// Issue "Workshop mode", exercises that grade themselves: every registered
// exercise is solvable, and its checker tells a broken lab from a fixed one.
// For each: `exercise start` → `check` fails (exit 1, passed=false) →
// `exercise solve --trainer` → `check` passes (exit 0). The lab is put back at the end.
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import { EXERCISES } from '../../src/exercise/index.js';
import { loadMeta } from '../../src/exercise/meta.js';
import type { StartResult } from '../../src/exercise/run.js';
import type { WhoReport } from '../../src/probe/who.js';
import { type CliRun, lab, labJson, REPO, TEST_LAB, TEST_LAB_FILE, until, vtyshJson } from './cli.js';

const L = TEST_LAB.name;
/** The exercises on default.yaml's topology, which the suite's lab is; ipv6-catchment runs on the dual-stack lab (exercise-ipv6.test.ts). */
const ON_DEFAULT = EXERCISES.filter((e) => loadMeta(`${REPO}/labs/exercises/${e.id}`).lab === 'default.yaml').map((e) => e.id);
/** `exercise start` on the suite's lab (default.yaml's topology under its own name), as `--file` allows. */
const start = (id: string) => lab(['exercise', 'start', id, '--file', TEST_LAB_FILE, '--json']);
const addressOn = (node: string, peer: string) => {
  const l = TEST_LAB.links.find((l) => (l.a.node === node && l.b.node === peer) || (l.a.node === peer && l.b.node === node))!;
  return (l.a.node === node ? l.a : l.b).address;
};
const answeredBy = async (client: string) => (await labJson<WhoReport>(['who', L])).clients.find((c) => c.client === client)?.udp;

const check = async (id: string): Promise<{ run: CliRun; result: CheckResult }> => {
  const run = await lab(['exercise', 'check', id, '--lab', L, '--json']);
  return { run, result: JSON.parse(run.stdout) as CheckResult };
};

/**
 * Real state each start must leave, read without the exercise's own code: the
 * fault it injected, or, for an exercise that injects nothing, the lab-file
 * state its task starts from. Every registered exercise has an entry.
 */
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
  // nrt drained: it no longer announces the anycast prefix to t-ap (its health checker withdraws within a few intervals).
  'identify-pops': async () => {
    await until('nrt to stop announcing 192.0.2.0/24 to t-ap', 15_000, 500, async () => {
      const adv = await vtyshJson<{ advertisedRoutes?: Record<string, unknown> }>(
        'nrt',
        `show bgp ipv4 unicast neighbors ${addressOn('t-ap', 'nrt')} advertised-routes`,
      );
      return Object.keys(adv.advertisedRoutes ?? {}).includes('192.0.2.0/24') ? undefined : true;
    });
  },
  // Nothing injected: c-us is answered by iad, as the lab file says, and the task is to move it to gru.
  'prepend-catchment': async () => {
    expect(await answeredBy('c-us')).toBe('iad');
  },
  // Nothing injected: gru answers c-br, and sends its answer back directly over the eb-br peering (the task is to make it asymmetric).
  'asymmetric-path': async () => {
    expect(await answeredBy('c-br')).toBe('gru');
    const c = TEST_LAB.clients.find((c) => c.name === 'c-br')!;
    const route = await vtyshJson<Record<string, { selected?: boolean; nexthops: { ip?: string }[] }[]>>('gru', `show ip route ${c.address}`);
    const hops = Object.values(route)
      .flat()
      .filter((r) => r.selected)
      .flatMap((r) => r.nexthops.map((n) => n.ip));
    expect(hops).toEqual([addressOn('eb-br', 'gru')]);
  },
};

/** The recorder `start` leaves in a client: its pid file names a live process. */
const recording = async (id: string, client: string) => {
  const r = await lab(['exec', '--lab', L, client, '--', 'sh', '-c', `kill -0 "$(cat /tmp/al-exercise-${id}.pid)" && wc -l < /tmp/al-exercise-${id}.ndjson`]);
  expect(r.code, `${client}: ${r.stderr}`).toBe(0);
};

describe("exercises (the suite's lab)", () => {
  afterAll(async () => {
    // A start with no injection is the clean state: up, every override reset, every exercise's leftovers removed.
    const r = await start('prepend-catchment');
    expect(r.code, r.stderr).toBe(0);
  });

  it.each(ON_DEFAULT)('%s: start → check fails → solve → check passes', async (id) => {
    const run = await start(id);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const started = JSON.parse(run.stdout) as StartResult;
    expect(started).toMatchObject({ id, lab: L });
    expect(INJECTED[id], `no check of what \`start ${id}\` leaves`).toBeDefined();
    await INJECTED[id]();

    const before = await check(id);
    expect(before.run.code, before.run.stderr).toBe(1);
    expect(before.result).toMatchObject({ id, passed: false });
    expect(before.result.criteria.some((c) => !c.passed)).toBe(true);
    for (const c of before.result.criteria) expect(c.reason).not.toBe('');

    const solved = await lab(['exercise', 'solve', id, '--trainer', '--lab', L, '--json']);
    expect(solved.code, solved.stderr).toBe(0);

    const after = await check(id);
    expect(after.result.criteria.filter((c) => !c.passed)).toEqual([]);
    expect(after.result.passed).toBe(true);
    expect(after.run.code).toBe(0);
  });

  it('check without --json prints each criterion with PASS/FAIL and exits 1 when not solved', async () => {
    expect((await start('prepend-catchment')).code).toBe(0);
    const r = await lab(['exercise', 'check', 'prepend-catchment', '--lab', L]);
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
