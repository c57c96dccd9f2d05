// Issue #24: the exercise "why does c-jp reach a different PoP over IPv6?"
// solved by hand on the dual-stack lab (labs/dual-stack.yaml, lab `dual`), and
// live policy per family (`policy … --family ipv6`) on the way: `exercise
// start` → `check` fails → a first try without --family changes IPv4 too and
// the checker says so → the commands hint 4 prints → `check` passes; only
// c-jp's IPv6 moved; `up` keeps the IPv6 override, `up --reset` undoes it.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import { loadMeta } from '../../src/exercise/meta.js';
import type { ChangeReport } from '../../src/policy/catchment.js';
import type { WhoReport } from '../../src/probe/who.js';
import { lab, labJson, REPO, until } from './cli.js';

const FILE = resolve(REPO, 'labs/dual-stack.yaml');
const L = 'dual';
const ID = 'ipv6-catchment';
const HINTS = loadMeta(resolve(REPO, 'labs/exercises', ID)).hints;

/** Every client's UDP DNS PoP per family, as `npm run lab -- who` shows it: "c-jp/ipv6" → "fra". */
async function who(): Promise<Record<string, string | null>> {
  const r = await labJson<WhoReport>(['who', L]);
  return Object.fromEntries(r.clients.flatMap((c) => [[`${c.client}/ipv4`, c.udp] as const, [`${c.client}/ipv6`, c.ipv6?.udp ?? null] as const]));
}

async function check(): Promise<{ code: number; result: CheckResult }> {
  const r = await lab(['exercise', 'check', ID, '--lab', L, '--json']);
  return { code: r.code, result: JSON.parse(r.stdout) as CheckResult };
}

const failing = (r: CheckResult) => r.criteria.filter((c) => !c.passed).map((c) => c.name);

/** `npm run lab -- <words…>` exactly as a hint prints it, run on lab dual (the only lab up, so no --lab needed; given anyway). */
async function typed(line: string): Promise<ChangeReport> {
  const words = line.replace(/^npm run lab -- /, '').split(' ');
  const r = await lab([...words, '--lab', L, '--json']);
  expect(r.code, `${line}\n${r.stderr.slice(-2000)}`).toBe(0);
  return JSON.parse(r.stdout) as ChangeReport;
}

const BEFORE = {
  'c-de/ipv4': 'fra',
  'c-de/ipv6': 'fra',
  'c-us/ipv4': 'iad',
  'c-us/ipv6': 'iad',
  'c-jp/ipv4': 'nrt',
  'c-jp/ipv6': 'fra',
  'c-br/ipv4': 'gru',
  'c-br/ipv6': 'gru',
};
const FIXED = { ...BEFORE, 'c-jp/ipv6': 'nrt' };

afterAll(async () => {
  await lab(['down', FILE]);
}, 180_000);

describe('exercise ipv6-catchment by hand, on the dual-stack lab', () => {
  it('start: c-jp is answered by nrt over IPv4, by fra over IPv6; check fails on that criterion only', async () => {
    await lab(['down', FILE]);
    const r = await lab(['exercise', 'start', ID, '--json'], 400_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: ID, lab: L });
    expect(await who()).toEqual(BEFORE);
    const c = await check();
    expect(c.code).toBe(1);
    expect(failing(c.result)).toEqual(["c-jp's IPv6 is answered by nrt, like its IPv4"]);
  }, 420_000);

  it('a first try without --family changes both sessions: c-jp moves, and the checker names the IPv4 override', async () => {
    const r = await typed('npm run lab -- policy t-ap nrt local-pref 300');
    expect(r.applied[0].commands).toEqual(expect.arrayContaining(['route-map FROM-nrt permit 10', 'route-map FROM6-nrt permit 10']));
    const c = await until('c-jp/ipv6 on nrt', 20_000, 1_000, async () => {
      const x = await check();
      return failing(x.result).includes("c-jp's IPv6 is answered by nrt, like its IPv4") ? undefined : x;
    });
    expect(failing(c.result)).toEqual(['IPv4 policy untouched (the fix is on the IPv6 session)']);
    expect(c.result.criteria.find((x) => !x.passed)?.reason).toMatch(/t-ap ← nrt local-pref 300 \(lab file: 200\)/);
    await typed('npm run lab -- policy --reset-all');
    expect(await who()).toEqual(BEFORE);
  }, 120_000);

  it("hint 4's policy moves c-jp's IPv6 alone, and check passes", async () => {
    const [policyLine, rest] = HINTS[3].split(', then ');
    expect(policyLine).toBe('npm run lab -- policy t-ap t-eu local-pref 100 --family ipv6');
    expect(rest).toContain('npm run lab -- exercise check ipv6-catchment');
    const r = await typed(policyLine);
    expect(r.applied).toEqual([
      {
        node: 't-ap',
        commands: [
          'configure terminal',
          'route-map FROM6-t-eu permit 10',
          ' set local-preference 100',
          'exit',
          'end',
          expect.stringMatching(/^clear bgp ipv6 unicast fd00:87:\S+ soft in$/),
        ],
      },
    ]);
    // The report watches both families the lab runs: of the eight rows only c-jp's IPv6 moved.
    expect(r.catchment.filter((c) => c.moved)).toEqual([{ client: 'c-jp', family: 'ipv6', before: 'fra', after: 'nrt', moved: true }]);
    expect(r.catchment.map((c) => `${c.client}/${c.family}`)).toEqual(Object.keys(BEFORE).sort());
    console.log(`policy --family ipv6: c-jp's IPv6 fra → nrt, settled ${r.shiftMs} ms after the change (${r.polls} polls, every ~${r.pollEveryMs} ms)`);
    expect(await who()).toEqual(FIXED);
    const c = await check();
    expect(failing(c.result)).toEqual([]);
    expect(c.code).toBe(0);
  }, 120_000);

  it('`up` keeps the IPv6 override; `up --reset` undoes it and c-jp is back on fra over IPv6', async () => {
    const kept = await lab(['up', FILE, '--json'], 300_000);
    expect(kept.code, kept.stderr.slice(-2000)).toBe(0);
    const list = await labJson<{ policy: unknown[] }>(['policy', '--lab', L, '--json']);
    expect(list.policy).toEqual([{ router: 't-ap', neighbor: 't-eu', kind: 'local-pref', value: 100, base: 250, family: 'ipv6' }]);
    expect(await who()).toEqual(FIXED);

    const reset = await lab(['up', FILE, '--reset', '--json'], 300_000);
    expect(reset.code, reset.stderr.slice(-2000)).toBe(0);
    expect((await labJson<{ policy: unknown[] }>(['policy', '--lab', L, '--json'])).policy).toEqual([]);
    await until('c-jp/ipv6 back on fra', 20_000, 1_000, async () => ((await who())['c-jp/ipv6'] === 'fra' ? true : undefined));
    expect(await who()).toEqual(BEFORE);
    expect((await check()).code).toBe(1);
  }, 660_000);
});
