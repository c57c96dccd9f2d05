// The scale-test lab generator: every generated lab must load through the real
// loader, render for every router, and promise (expect.pop/backup) exactly
// what BGP best-path selection gives — decided by local-pref alone, in a
// single stable state whatever order routers converge in.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { genCommand } from '../../src/cli/commands/gen.js';
import { addCommand } from '../../src/cli/program.js';
import { LabError } from '../../src/errors.js';
import { renderRouter } from '../../src/render/index.js';
import { peerPrefixes } from '../../src/render/prefix-lists.js';
import {
  carriesAnycast,
  designedCatchment,
  type GenOptions,
  generate,
  generateLab,
  type SimRoute,
  simulateBestPaths,
  simulateCatchment,
  stableBestPaths,
} from '../../src/topology/generate.js';
import { overlaps, parseCidr } from '../../src/topology/ipv4.js';
import { loadLabFile, parseLab } from '../../src/topology/load.js';
import { type Lab, type RouterRole, sessionsOf } from '../../src/topology/model.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_LAB = join(ROOT, 'labs', 'default.yaml');

type Size = [pops: number, transits: number, eyeballs: number];
/** The sizes the brief names, then corners: transits without PoPs, one transit, the maxima, steps of 1. */
const SIZES: Size[] = [
  [1, 1, 1],
  [4, 2, 4],
  [8, 3, 4],
  [16, 4, 8],
  [40, 10, 10],
];
const CORNERS: Size[] = [
  [1, 2, 3],
  [2, 2, 1],
  [2, 5, 5],
  [3, 8, 8],
  [5, 3, 7],
  [1, 16, 32],
  [9, 1, 2],
  [10, 1, 2],
  [64, 1, 3],
  [89, 1, 3],
  [64, 16, 32],
  [100, 25, 25],
  [160, 40, 40],
];
const ALL = [...SIZES, ...CORNERS];
const opts = ([pops, transits, eyeballs]: Size): GenOptions => ({ pops, transits, eyeballs });
const load = (s: Size): Lab => parseLab(generateLab(opts(s)), `labs/scale-${s.join('-')}.yaml`);

/** The routers a route crosses from `from` to its PoP, following each hop's best route. */
function pathOf(routes: Map<string, SimRoute>, from: string): string[] {
  const path: string[] = [];
  for (let at = routes.get(from); at; at = routes.get(at.via)) {
    path.push(at.via);
    if (at.via === at.origin) break;
  }
  return path;
}

/** Deterministic shuffles (LCG), so a failure reproduces. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe.each(ALL)('generated lab: %i PoPs, %i transits, %i eyeballs', (...size) => {
  const s = size as Size;
  const lab = load(s);

  it('loads through the real loader, with the requested routers, clients and one LAN per eyeball', () => {
    expect(lab.routers.filter((r) => r.role === 'pop')).toHaveLength(s[0]);
    expect(lab.routers.filter((r) => r.role === 'transit')).toHaveLength(s[1]);
    expect(lab.routers.filter((r) => r.role === 'eyeball')).toHaveLength(s[2]);
    expect(new Set(lab.routers.filter((r) => r.role === 'pop').map((r) => r.asn))).toEqual(new Set([64500]));
    expect(lab.clients.map((c) => [c.name, c.eyeball])).toEqual(Array.from({ length: s[2] }, (_, k) => [`c-${k + 1}`, `eb-${k + 1}`]));
    expect(lab.lans).toHaveLength(s[2]);
    // Every PoP and every eyeball has exactly one uplink, to a transit.
    for (const r of lab.routers.filter((r) => r.role !== 'transit')) {
      const up = sessionsOf(lab, r.name);
      expect(up, r.name).toHaveLength(1);
      expect(lab.routers.find((x) => x.name === up[0].remote.node)!.role).toBe('transit');
    }
  });

  it('is deterministic: same arguments, same bytes', () => {
    expect(generateLab(opts(s))).toBe(generateLab(opts(s)));
  });

  it('the YAML text parses to exactly the structured form', () => {
    const g = generate(opts(s));
    expect(parseYaml(g.yaml)).toEqual(g.file);
    expect(g.counts).toEqual({ routers: lab.routers.length, links: lab.links.length, lans: lab.lans.length, clients: lab.clients.length });
  });

  it('expect.pop/backup in the file = simulated best paths = the designed catchment, path included', () => {
    const designed = designedCatchment(opts(s));
    const simulated = simulateCatchment(lab);
    const normal = stableBestPaths(lab);
    for (const c of lab.clients) {
      const d = designed[c.name];
      expect(c.expect, c.name).toEqual({ pop: d.pop, ...(d.backup ? { backup: d.backup } : {}) });
      expect(simulated[c.name], c.name).toEqual({ pop: d.pop, backup: d.backup ?? null });
      expect(pathOf(normal, c.eyeball), c.name).toEqual(d.path);
      if (d.backup) expect(pathOf(stableBestPaths(lab, [d.pop]), c.eyeball), `${c.name} without ${d.pop}`).toEqual(d.backupPath);
    }
    // A backup exists exactly when there is another PoP to fall back to.
    expect(lab.clients.every((c) => (c.expect?.backup !== undefined) === s[0] > 1)).toBe(true);
  });

  it('no router ever has two anycast routes of equal local-pref: ties cannot reach AS-path, MED or router-id', () => {
    // Each neighbour sends at most one route, so distinct local-prefs per
    // neighbour keep best-path selection on local-pref whatever has failed.
    for (const r of lab.routers) {
      const prefs = sessionsOf(lab, r.name)
        .filter((x) => carriesAnycast(lab.routers.find((n) => n.name === x.remote.node)!.role, r.role))
        .map((x) => x.local.localPref);
      expect(new Set(prefs).size, `${r.name}: ${prefs.join(', ')}`).toBe(prefs.length);
    }
  });

  it('one stable state, with every PoP up and with each PoP down, under any activation order', () => {
    const names = lab.routers.map((r) => r.name);
    const schedules = ['synchronous' as const, names, [...names].reverse(), shuffled(names, 1), shuffled(names, 2), shuffled(names, 3)];
    const pops = lab.routers.filter((r) => r.role === 'pop').map((r) => r.name);
    // All PoPs for small labs; for big ones the first few and last are enough.
    const failures = [[], ...(pops.length <= 16 ? pops : [...pops.slice(0, 4), pops[pops.length - 1]]).map((p) => [p])];
    for (const down of failures) {
      const runs = schedules.map((schedule) => simulateBestPaths(lab, { down, schedule }));
      for (const run of runs.slice(1)) expect(run, `down: ${down.join(',') || 'none'}`).toEqual(runs[0]);
      // Every eyeball and transit reaches some PoP as long as one is up.
      if (pops.length > down.length) for (const r of lab.routers.filter((r) => r.role !== 'pop')) expect(runs[0].get(r.name), r.name).toBeDefined();
    }
  });

  it('renders an FRR config for every router', () => {
    for (const r of lab.routers) {
      const conf = renderRouter(lab, r.name)['frr.conf'];
      expect(conf).toContain(`router bgp ${r.asn}`);
    }
    // The first customer PoP of t-1 is p-1, at local-pref 200.
    expect(renderRouter(lab, 't-1')['frr.conf']).toMatch(/route-map FROM-p-1 permit 10\n match ip address prefix-list IN-p-1\n set local-preference 200\n/);
  });
});

describe('generated lab: sizes, pools, BFD', () => {
  it('counts one network per uplink, ring link and LAN, up to the maxima', () => {
    const networks = (s: Size) => {
      const lab = load(s);
      return lab.links.length + lab.lans.length;
    };
    // 40 PoP uplinks + 10 eyeball uplinks + a ring of 10 + 10 LANs.
    expect(networks([40, 10, 10])).toBe(70);
    expect(networks([64, 16, 32])).toBe(64 + 32 + 16 + 32);
    // The scale bench's largest lab, and the maxima.
    expect(networks([100, 25, 25])).toBe(175);
    expect(networks([160, 40, 40])).toBe(280);
  });

  it('uses pools apart from labs/default.yaml, so both labs can run side by side', () => {
    const def = loadLabFile(DEFAULT_LAB);
    const defNets = [...def.links.map((l) => l.subnet), ...def.lans.map((l) => l.subnet)].map(parseCidr);
    for (const s of [
      [4, 2, 4],
      [64, 16, 32],
    ] as Size[]) {
      const lab = load(s);
      for (const net of [...lab.links.map((l) => l.subnet), ...lab.lans.map((l) => l.subnet)]) {
        expect(
          defNets.some((d) => overlaps(d, parseCidr(net))),
          net,
        ).toBe(false);
      }
    }
  });

  it('keeps BFD at 100 ms x 3 up to 8 PoPs and uses 300 ms x 3 above', () => {
    const bfdOf = (pops: number) => new Set(load([pops, 3, 2]).links.map((l) => JSON.stringify(l.bfd)));
    expect(bfdOf(8)).toEqual(new Set([JSON.stringify({ enabled: true, interval: 100, multiplier: 3 })]));
    expect(bfdOf(9)).toEqual(new Set([JSON.stringify({ enabled: true, interval: 300, multiplier: 3 })]));
    expect(generateLab({ pops: 9, transits: 3, eyeballs: 2 })).toMatch(/# 300 ms x 3, not the lab default 100 ms x 3/);
  });

  it('names routers and clients p-<n>, t-<n>, eb-<n>, c-<n>, and the lab scale-N-M-K unless --name', () => {
    const g = generate({ pops: 2, transits: 2, eyeballs: 1 });
    expect(g.name).toBe('scale-2-2-1');
    expect(g.file.routers.map((r) => r.name)).toEqual(['p-1', 'p-2', 't-1', 't-2', 'eb-1']);
    expect(generate({ pops: 2, transits: 2, eyeballs: 1, name: 'big' }).file.name).toBe('big');
  });
});

describe('generator arguments', () => {
  const bad: [string, Partial<GenOptions>, string][] = [
    ['no PoPs', { pops: 0 }, '--pops'],
    ['too many PoPs', { pops: 161 }, '--pops'],
    ['fractional PoPs', { pops: 1.5 }, '--pops'],
    ['NaN PoPs', { pops: Number.NaN }, '--pops'],
    ['no transits', { transits: 0 }, '--transits'],
    ['too many transits', { transits: 41 }, '--transits'],
    ['no eyeballs', { eyeballs: 0 }, '--eyeballs'],
    ['too many eyeballs', { eyeballs: 41 }, '--eyeballs'],
    ['negative eyeballs', { eyeballs: -1 }, '--eyeballs'],
    ['upper-case name', { name: 'Scale' }, '--name'],
    ['name too long', { name: 'a'.repeat(25) }, '--name'],
  ];
  it.each(bad)('%s: USAGE error naming %s', (_, over, flag) => {
    let err: unknown;
    try {
      generateLab({ pops: 4, transits: 2, eyeballs: 4, ...over });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('USAGE');
    expect((err as LabError).message).toContain(flag);
  });
});

describe('BGP simulation', () => {
  it('mirrors the prefix-lists: which roles pass the anycast prefix to which', () => {
    const lab = load([2, 2, 2]);
    const one = (role: RouterRole) => lab.routers.find((r) => r.role === role)!;
    const roles: RouterRole[] = ['pop', 'transit', 'eyeball'];
    for (const from of roles) {
      for (const to of roles) {
        const a = one(from);
        const b = one(to);
        const real = peerPrefixes(lab, a, b).out.includes(lab.anycast.prefix) && peerPrefixes(lab, b, a).in.includes(lab.anycast.prefix);
        expect(carriesAnycast(from, to), `${from} → ${to}`).toBe(real);
      }
    }
  });

  it('reproduces the hand-written catchment of labs/default.yaml (local-pref, prepend and direct peering)', () => {
    const lab = loadLabFile(DEFAULT_LAB);
    const sim = simulateCatchment(lab);
    for (const c of lab.clients) expect(sim[c.name], c.name).toEqual({ pop: c.expect!.pop, backup: c.expect!.backup ?? null });
  });

  const MESH = (lp: { ab: number; ac: number; ba: number; bc: number }) => `name: wheel
ases:
  - { asn: 64500, name: Op, role: pop }
  - { asn: 65001, name: A, role: transit }
  - { asn: 65002, name: B, role: transit }
  - { asn: 65003, name: C, role: transit }
  - { asn: 64601, name: E, role: eyeball }
routers:
  - { name: p-1, asn: 64500 }
  - { name: t-a, asn: 65001 }
  - { name: t-b, asn: 65002 }
  - { name: t-c, asn: 65003 }
  - { name: eb-1, asn: 64601 }
links:
  - { a: p-1, b: t-c }
  - { a: { node: t-a, localPref: ${lp.ab} }, b: { node: t-b, localPref: ${lp.ba} } }
  - { a: { node: t-a, localPref: ${lp.ac} }, b: { node: t-c, localPref: 100 } }
  - { a: { node: t-b, localPref: ${lp.bc} }, b: { node: t-c, localPref: 100 } }
  - { a: eb-1, b: t-a }
clients:
  - { name: c-1, eyeball: eb-1 }
`;

  it('detects a dispute wheel: two transits that each prefer the other have two stable states', () => {
    // t-a and t-b both prefer each other (120) over the direct path to t-c (100):
    // which one goes direct depends on who hears t-c first.
    const lab = parseLab(MESH({ ab: 120, ac: 100, ba: 120, bc: 100 }), 'labs/wheel.yaml');
    expect(() => stableBestPaths(lab)).toThrow(/several stable states|oscillates/);
    expect(() => simulateBestPaths(lab, { schedule: 'synchronous' })).toThrow(/oscillates/);
  });

  it('the same triangle with consistent preferences settles in one state', () => {
    // t-b prefers t-c directly: t-a may then prefer t-b without a wheel.
    const lab = parseLab(MESH({ ab: 120, ac: 100, ba: 100, bc: 120 }), 'labs/wheel.yaml');
    expect(pathOf(stableBestPaths(lab), 'eb-1')).toEqual(['t-a', 't-b', 't-c', 'p-1']);
  });

  it('refuses to break a tie that FRR would break by router-id', () => {
    // Two PoPs on one transit at the resolver's default customer local-pref, both one AS hop away.
    const tie = parseLab(
      `name: tie
ases: [{ asn: 64500, name: Op, role: pop }, { asn: 65001, name: T, role: transit }, { asn: 64601, name: E, role: eyeball }]
routers: [{ name: p-1, asn: 64500 }, { name: p-2, asn: 64500 }, { name: t-1, asn: 65001 }, { name: eb-1, asn: 64601 }]
links: [{ a: p-1, b: t-1 }, { a: p-2, b: t-1 }, { a: eb-1, b: t-1 }]
clients: [{ name: c-1, eyeball: eb-1 }]
`,
      'labs/tie.yaml',
    );
    expect(() => simulateBestPaths(tie)).toThrow(/t-1: routes via p-1 and p-2 tie on local-pref 200 and AS-path length 1/);
  });
});

describe('lab gen (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anycast-gen-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ json: boolean; data: unknown; text: string }[]> {
    const printed: { json: boolean; data: unknown; text: string }[] = [];
    const program = new Command('lab').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    addCommand(program, genCommand, { print: (json, data, human) => printed.push({ json, data, text: human() }) });
    await program.parseAsync(['gen', ...args], { from: 'user' });
    return printed;
  }

  it('prints the YAML on stdout without --out', async () => {
    const [out] = await run('--pops', '4', '--transits', '2', '--eyeballs', '4');
    expect(`${out.text}\n`).toBe(generateLab({ pops: 4, transits: 2, eyeballs: 4 }));
  });

  it('--out writes a file the loader accepts and prints a one-line summary', async () => {
    const file = join(dir, 'sub', 'scale.yaml');
    const [out] = await run('--pops', '40', '--transits', '10', '--eyeballs', '10', '--out', file);
    expect(out.text).toBe(`wrote ${file}: lab "scale-40-10-10", 60 routers, 60 links, 10 clients; bring it up with: npm run lab up ${file}`);
    expect(await readFile(file, 'utf8')).toBe(generateLab({ pops: 40, transits: 10, eyeballs: 10 }));
    expect(loadLabFile(file).routers).toHaveLength(60);
  });

  it("--json gives sizes, counts and every client's expect", async () => {
    const file = join(dir, 'j.yaml');
    const [out] = await run('--pops', '3', '--transits', '5', '--eyeballs', '5', '--name', 'j', '--out', file, '--json');
    expect(out.json).toBe(true);
    expect(out.data).toEqual({
      file,
      name: 'j',
      pops: 3,
      transits: 5,
      eyeballs: 5,
      routers: 13,
      links: 13,
      lans: 5,
      clients: 5,
      expect: {
        'c-1': { pop: 'p-1', backup: 'p-2' },
        'c-2': { pop: 'p-2', backup: 'p-3' },
        'c-3': { pop: 'p-3', backup: 'p-1' },
        'c-4': { pop: 'p-1', backup: 'p-2' },
        'c-5': { pop: 'p-1', backup: 'p-2' },
      },
    });
  });

  it('--json without --out carries the YAML, and backup null with one PoP', async () => {
    const [out] = await run('--pops', '1', '--transits', '1', '--eyeballs', '1', '--json');
    expect(out.data).toMatchObject({ file: null, expect: { 'c-1': { pop: 'p-1', backup: null } }, yaml: generateLab({ pops: 1, transits: 1, eyeballs: 1 }) });
  });

  it.each([
    [['--pops', 'x', '--transits', '1', '--eyeballs', '1'], '--pops must be a whole number from 1 to 160 (got "x")'],
    [['--pops', '1', '--transits', '41', '--eyeballs', '1'], '--transits must be a whole number from 1 to 40 (got "41")'],
    [['--pops', '1', '--transits', '1', '--eyeballs', '2.5'], '--eyeballs must be a whole number from 1 to 40 (got "2.5")'],
    [
      ['--pops', '100', '--transits', '1', '--eyeballs', '1'],
      '--pops 100 on --transits 1 puts 100 PoPs on one transit; at most 89 fit its local-pref range (200 down to 111): give --transits 2 or more',
    ],
  ])('%j → USAGE: %s', async (args, message) => {
    await expect(run(...args)).rejects.toMatchObject({ code: 'USAGE', message });
  });

  it("a missing count is commander's required-option error", async () => {
    await expect(run('--pops', '1', '--eyeballs', '1')).rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
  });
});
