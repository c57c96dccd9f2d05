// Issue 21, point 2: the exercises whose README says "through vtysh" are
// solved the way an attendee is told to, by typing into the router's own CLI
// (`npm run lab -- vtysh <router>`, under a real PTY), never with `exercise
// solve`; a wrong first attempt is what attendees actually do, and `check`
// must say what is still wrong. Reading state (addresses, the prefix-list)
// uses the one-shot commands the READMEs list.
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import { lab, labArgv, labJson, TEST_LAB, TEST_LAB_FILE, until, vtyshJson } from './cli.js';

// The suite's lab, by name in every command: a user's default lab may be up beside it.
const L = TEST_LAB.name;

import { PtySession } from './support/pty-session.js';

/** Any vtysh prompt: `fra# `, `t-ap(config)# `, `fra(config-router)# `. */
const PROMPT = /[\w-]+(\([\w-]+\))?# $/;

/** Opens `lab vtysh <router>` in a PTY and types `lines`, each after a prompt; fails on any "% …" answer; leaves with exit 0. */
async function typeIntoVtysh(router: string, lines: string[]): Promise<string> {
  const s = new PtySession(labArgv(['vtysh', '--lab', L, router]));
  try {
    await s.expect(PROMPT, 60_000);
    for (const line of lines) {
      s.typeLine(line);
      const answer = await s.expect(new RegExp(`\\n(.*?)${PROMPT.source}`, 's'));
      expect(answer[1], `${router}: ${line}`).not.toMatch(/^%/m);
    }
    s.typeLine('exit');
    expect(await s.end(), s.transcript).toBe(0);
    return s.transcript;
  } finally {
    await s.end();
  }
}

async function check(id: string): Promise<{ code: number; result: CheckResult }> {
  const r = await lab(['exercise', 'check', id, '--lab', L, '--json']);
  return { code: r.code, result: JSON.parse(r.stdout) as CheckResult };
}

const failing = (r: CheckResult) => r.criteria.filter((c) => !c.passed).map((c) => `${c.name}: ${c.reason}`);

/** The address `router` reaches its neighbour `peer` on, from its own `show bgp summary` (as an attendee reads it). */
async function peerAddress(router: string, peer: string): Promise<string> {
  const s = await vtyshJson<{ ipv4Unicast: { peers: Record<string, { hostname?: string }> } }>(router, 'show bgp summary');
  const found = Object.entries(s.ipv4Unicast.peers).find(([, p]) => p.hostname === peer);
  if (!found) throw new Error(`${router} has no session to ${peer}`);
  return found[0];
}

describe('exercises solved by hand in vtysh (default lab)', () => {
  afterAll(async () => {
    // As exercises.test.ts: a start with no injection undoes every exercise's leftovers, these typed lines included.
    const r = await lab(['exercise', 'start', 'prepend-catchment', '--file', TEST_LAB_FILE, '--json']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('missing-bfd: BFD on fra only is not enough (check names t-eu); on both ends, check passes with a sub-second failover', async () => {
    await labJson(['exercise', 'start', 'missing-bfd', '--file', TEST_LAB_FILE, '--json']);
    const teu = await peerAddress('fra', 't-eu');
    const fra = await peerAddress('t-eu', 'fra');

    // The usual first attempt: only the PoP's end.
    await typeIntoVtysh('fra', ['configure', 'router bgp 64500', `neighbor ${teu} bfd`, `neighbor ${teu} bfd profile bfd-100x3`, 'end']);
    const half = await check('missing-bfd');
    expect(half.code).toBe(1);
    expect(failing(half.result).join('\n')).toMatch(/fra ↔ t-eu: BFD peer (?!up)\w+/);

    await typeIntoVtysh('t-eu', ['configure', 'router bgp 65010', `neighbor ${fra} bfd`, `neighbor ${fra} bfd profile bfd-100x3`, 'end']);
    await until('fra to see its BFD peer t-eu up', 30_000, 500, async () => {
      const peers = await vtyshJson<{ peer: string; status: string }[]>('fra', 'show bfd peers');
      return peers.find((p) => p.peer === teu && p.status === 'up');
    });
    const done = await check('missing-bfd');
    expect(failing(done.result)).toEqual([]);
    expect(done.code).toBe(0);
  });

  it('prefix-leak: a deny after the permit changes nothing (check names the leaked /25); removing the le 25 entry and a soft clear pass', async () => {
    await labJson(['exercise', 'start', 'prefix-leak', '--file', TEST_LAB_FILE, '--json']);
    // Read the filter in t-ap's CLI, as the hints say.
    const shown = await typeIntoVtysh('t-ap', ['show ip prefix-list IN-nrt']);
    const wide = shown.match(/seq (\d+) permit (\S+) le 25/);
    if (!wide) throw new Error(`no "le 25" entry in t-ap's IN-nrt:\n${shown}`);

    // A common mistake: a deny appended after the permit that already matched (a prefix-list stops at its first match).
    await typeIntoVtysh('t-ap', ['configure', 'ip prefix-list IN-nrt seq 900 deny 192.0.2.128/25', 'end', 'clear bgp ipv4 unicast 64500 soft in']);
    const wrong = await check('prefix-leak');
    expect(wrong.code).toBe(1);
    expect(failing(wrong.result).join('\n')).toMatch(/t-ap accepted 192\.0\.2\.128\/25 from AS64500/);

    await typeIntoVtysh('t-ap', [
      'configure',
      'no ip prefix-list IN-nrt seq 900 deny 192.0.2.128/25',
      `no ip prefix-list IN-nrt seq ${wide[1]} permit ${wide[2]} le 25`,
      'end',
      'clear bgp ipv4 unicast 64500 soft in',
    ]);
    // The soft clear's route refresh and the withdrawal take a moment: check until it passes, as an attendee re-runs it.
    const done = await until('check prefix-leak to pass', 30_000, 1_000, async () => {
      const r = await check('prefix-leak');
      return r.result.passed ? r : undefined;
    });
    expect(done.code).toBe(0);
  });
});
