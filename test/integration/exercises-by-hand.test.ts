// Issue 21, point 2: every exercise is solved the way an attendee is told to,
// by typing what its README and hints print, never with `exercise solve`; a
// wrong or unfinished first attempt is what attendees actually do, and `check`
// must say what is still wrong. Where the README says vtysh, the lines are
// typed into the router's own CLI (`npm run lab -- vtysh <router>`, under a
// real PTY); reading state uses the one-shot commands the READMEs list. The
// other exercises are solved with the lab commands their READMEs print
// (`policy`, `withdraw`, `announce`, `break`, `exec <client> -- dig …`), each
// run here as `lab <command> --lab test`: the suite's lab, not `default`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import type { WhoReport } from '../../src/probe/who.js';
import { lab, labArgv, labJson, REPO, TEST_LAB, TEST_LAB_FILE, until, vtyshJson } from './cli.js';
import { PtySession } from './support/pty-session.js';

// The suite's lab, by name in every command: a user's default lab may be up beside it.
const L = TEST_LAB.name;

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

/** Re-runs `check`, as an attendee does while routing settles, until it passes; the last failure is the error. */
async function passes(id: string): Promise<void> {
  const done = await until(`check ${id} to pass`, 30_000, 1_000, async () => {
    const r = await check(id);
    if (!r.result.passed) throw new Error(failing(r.result).join('; '));
    return r;
  });
  expect(done.code).toBe(0);
}

/** `exercise start <id>` on the suite's lab (default.yaml's topology under its own name), as `--file` allows. */
const start = (id: string) => labJson(['exercise', 'start', id, '--file', TEST_LAB_FILE, '--json']);

/**
 * `npm run lab -- <command> <args…>` as a README prints it, on the suite's lab
 * (`who` names its lab as an argument, the rest take --lab); it must succeed,
 * and its output is what the attendee reads.
 */
async function typed(command: string, ...args: string[]): Promise<string> {
  const argv = [command, ...(command === 'who' ? [L] : ['--lab', L]), ...args];
  const r = await lab(argv);
  expect(r.code, `lab ${argv.join(' ')}\n${r.stderr.slice(-2000)}`).toBe(0);
  return r.stdout;
}

/** Which PoP answers each client over UDP DNS (`npm run lab -- who`, the table's first column). */
async function answered(): Promise<Record<string, string | null>> {
  const r = await labJson<WhoReport>(['who', L]);
  return Object.fromEntries(r.clients.map((c) => [c.client, c.udp]));
}

type Summary = Partial<Record<'ipv4Unicast' | 'ipv6Unicast', { peers: Record<string, { hostname?: string }> }>>;

/**
 * The addresses `router` reaches its neighbour `peer` on, one per family the
 * lab runs (IPv4 first), from its own `show bgp summary` (as an attendee reads it:
 * IPv4 Unicast, then IPv6 Unicast).
 */
async function peerAddresses(router: string, peer: string): Promise<string[]> {
  const s = await vtyshJson<Summary>(router, 'show bgp summary');
  const found = TEST_LAB.families.map((f) => {
    const table = s[f === 'ipv4' ? 'ipv4Unicast' : 'ipv6Unicast'];
    return Object.entries(table?.peers ?? {}).find(([, p]) => p.hostname === peer)?.[0];
  });
  if (found.some((a) => a === undefined)) throw new Error(`${router} has no session to ${peer} in every family (${TEST_LAB.families.join(', ')})`);
  return found as string[];
}

const bfdLines = (asn: number, peers: readonly string[]) => [
  'configure',
  `router bgp ${asn}`,
  ...peers.flatMap((p) => [`neighbor ${p} bfd`, `neighbor ${p} bfd profile bfd-100x3`]),
  'end',
];

/** true once fra's `show bfd peers` has every one of `peers` up; undefined (keep waiting, for `until`) before. */
async function bfdUp(peers: readonly string[]): Promise<true | undefined> {
  const shown = await vtyshJson<{ peer: string; status: string }[]>('fra', 'show bfd peers');
  return peers.every((a) => shown.some((p) => p.peer === a && p.status === 'up')) || undefined;
}

describe("exercises solved by hand, as their READMEs and hints say (the suite's lab)", () => {
  afterAll(async () => {
    // As exercises.test.ts: a start with no injection undoes every exercise's leftovers, these typed lines included.
    await start('prepend-catchment');
  });

  it('missing-bfd: BFD on fra only is not enough (check names t-eu); on both ends of every family, check passes with a sub-second failover', async () => {
    await start('missing-bfd');
    // [IPv4, IPv6] on the dual-stack suite lab: hint 3 says to give both of t-eu's addresses.
    const [teu4, ...teu6] = await peerAddresses('fra', 't-eu');
    const [fra4, ...fra6] = await peerAddresses('t-eu', 'fra');

    // The usual first attempt: only the PoP's end, and only the IPv4 session.
    await typeIntoVtysh('fra', bfdLines(64500, [teu4]));
    const half = await check('missing-bfd');
    expect(half.code).toBe(1);
    expect(failing(half.result).join('\n')).toMatch(/fra ↔ t-eu: BFD peer (?!up)\w+/);

    await typeIntoVtysh('t-eu', bfdLines(65010, [fra4]));
    await until("fra to see t-eu's IPv4 BFD peer up", 30_000, 500, () => bfdUp([teu4]));
    if (teu6.length) {
      // IPv4 alone, on a dual-stack lab: the IPv6 session still has no BFD, and check says so.
      const v4only = await check('missing-bfd');
      expect(v4only.code).toBe(1);
      expect(failing(v4only.result).join('\n')).toMatch(/fra ↔ t-eu \(IPv6\): BFD peer not configured/);
      await typeIntoVtysh('fra', bfdLines(64500, teu6));
      await typeIntoVtysh('t-eu', bfdLines(65010, fra6));
      await until("fra to see t-eu's IPv6 BFD peer up", 30_000, 500, () => bfdUp(teu6));
    }
    const done = await check('missing-bfd');
    expect(failing(done.result)).toEqual([]);
    expect(done.code).toBe(0);
  });

  it('prefix-leak: a deny after the permit changes nothing (check names the leaked /25); removing the le 25 entry and a soft clear pass', async () => {
    await start('prefix-leak');
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

  it('prepend-catchment: one prepend on iad is not enough (check names c-us on iad); three move c-us to gru and nobody else', async () => {
    await start('prepend-catchment');
    // Hint 1: what t-us sees; gru's path is already three AS64500 long.
    expect(await typed('lg', 't-us')).toMatch(/64500 64500 64500/);

    // Hint 3 says "longer than gru's"; a first try that is too short changes nothing.
    await typed('policy', 'iad', 't-us', 'prepend', '1');
    const short = await check('prepend-catchment');
    expect(short.code).toBe(1);
    expect(failing(short.result)).toEqual([expect.stringMatching(/c-us is answered by iad, want gru/)]);

    await typed('policy', 'iad', 't-us', 'prepend', '3');
    await passes('prepend-catchment');
  });

  it('drain-maintenance: the blunt stop loses c-de answers (check counts them); withdrawn but serving is not done; withdraw, wait, stop passes', async () => {
    await start('drain-maintenance');
    expect((await answered())['c-de']).toBe('fra');

    // The README: "Try it the blunt way first (stop fra, no drain) and read what the checker says about c-de".
    await typed('break', 'fra', 'service');
    const blunt = await check('drain-maintenance');
    expect(blunt.code).toBe(1);
    expect(failing(blunt.result).join('\n')).toMatch(/c-de lost \d+ answers in a row moving from fra to iad/);
    // Hint 2's undo, and a fresh recording.
    await typed('restore', 'fra', 'service');
    await start('drain-maintenance');

    await typed('withdraw', 'fra');
    const half = await check('drain-maintenance');
    expect(half.code).toBe(1);
    expect(failing(half.result)).toEqual([expect.stringMatching(/fra's responder still answers/)]);

    // Hint 4: once c-de is answered by iad, stop fra's service.
    await until('who to show c-de on iad', 15_000, 500, async () => ((await answered())['c-de'] === 'iad' ? true : undefined));
    await typed('break', 'fra', 'service');
    await passes('drain-maintenance');
  });

  it('tcp-stream: a hard failure leaves the stream silent (check says how long); drained, it is fed by iad and check wants fra back; announced again, passes', async () => {
    await start('tcp-stream');
    // The README's own look at the stream (timeout ends it after 3 s, so its exit status is timeout's).
    const watch = async () => (await lab(['exec', '--lab', L, 'c-de', '--', 'timeout', '3', 'bash', '-c', 'cat </dev/tcp/192.0.2.80/7000'])).stdout;
    expect(await watch()).toMatch(/^pop=fra seq=\d+/m);

    // Hint 2: the hard failure first, then a fresh start.
    await typed('break', 'fra', 'freeze');
    await new Promise((r) => setTimeout(r, 3_000));
    await typed('restore', 'fra', 'freeze');
    const hard = await check('tcp-stream');
    expect(hard.code).toBe(1);
    expect(failing(hard.result).join('\n')).toMatch(/it went silent for \d+ ms: a move the client had to time out on/);
    await start('tcp-stream');

    await typed('withdraw', 'fra');
    const during = await watch();
    expect(during).toMatch(/^pop=iad seq=\d+/m);
    expect(during).not.toMatch(/pop=fra/);
    const away = await check('tcp-stream');
    expect(away.code).toBe(1);
    expect(failing(away.result).join('\n')).toMatch(/fra is still drained/);

    await typed('announce', 'fra');
    await passes('tcp-stream');
  });

  it("identify-pops: the lab file's catchment is wrong (check names c-jp); what dig says inside each client passes", async () => {
    await start('identify-pops');
    const answerFile = join(REPO, 'labs', 'exercises', 'identify-pops', 'answer.yaml');
    // The shortcut the README warns against: the lab file's expect lines.
    writeFileSync(answerFile, TEST_LAB.clients.map((c) => `${c.name}: ${c.expect?.pop}\n`).join(''));
    const copied = await check('identify-pops');
    expect(copied.code).toBe(1);
    expect(failing(copied.result).join('\n')).toMatch(/c-jp is answered by \w+, your answer says nrt/);

    // Hint 1 in every client; dig +short prints the TXT in quotes.
    const seen: Record<string, string> = {};
    for (const c of TEST_LAB.clients) {
      const out = await typed('exec', c.name, '--', 'dig', '@192.0.2.53', 'hostname.bind', 'CH', 'TXT', '+short');
      seen[c.name] = out.trim().replace(/^"|"$/g, '');
    }
    expect(seen['c-jp']).not.toBe('nrt');
    // Hint 2's other two tools say the same.
    expect(await typed('exec', 'c-jp', '--', 'dig', '+nsid', '@192.0.2.53', 'id.server', 'CH', 'TXT')).toContain(`("${seen['c-jp']}")`);
    expect(await typed('exec', 'c-jp', '--', 'curl', '-s', 'http://192.0.2.80/cdn-cgi/trace')).toMatch(new RegExp(`^pop=${seen['c-jp']}$`, 'm'));

    writeFileSync(
      answerFile,
      Object.entries(seen)
        .map(([client, pop]) => `${client}: ${pop}\n`)
        .join(''),
    );
    await passes('identify-pops');
  });

  it("asymmetric-path: prepending towards t-us leaves gru's answers on eb-br (check says so); local-pref 300 from t-us passes", async () => {
    await start('asymmetric-path');
    // Hint 1: both ways use the eb-br peering today.
    expect(await typed('trace', 'c-br')).not.toMatch(/t-us/);
    expect(await typed('trace', 'gru', 'c-br')).toMatch(/eb-br/);
    // Hint 2: gru's candidates for c-br's LAN, one through t-us.
    expect(await typed('lg', 'gru', 'show', 'bgp', 'ipv4', 'unicast')).toMatch(/65020 64604/);

    // Prepending changes what t-us hears from gru, the way in; gru's own way back stays.
    await typed('policy', 'gru', 't-us', 'prepend', '3');
    const wrong = await check('asymmetric-path');
    expect(wrong.code).toBe(1);
    expect(failing(wrong.result)).toEqual([expect.stringMatching(/gru forwards to c-br via eb-br/)]);

    await typed('policy', 'gru', 't-us', 'local-pref', '300');
    await passes('asymmetric-path');
  });
});
