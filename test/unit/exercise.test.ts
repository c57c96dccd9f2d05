import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catchmentProblems } from '../../src/exercise/catchment-check.js';
import type { Exercise } from '../../src/exercise/exercise.js';
import { parseAnswer } from '../../src/exercise/identify-pops.js';
import { EXERCISES, exerciseById } from '../../src/exercise/index.js';
import { loadMeta, parseMeta } from '../../src/exercise/meta.js';
import { bfdProblems } from '../../src/exercise/missing-bfd.js';
import { extraPrefixListLines, reseatLines, transitLeaks } from '../../src/exercise/prefix-leak.js';
import { checkExercise, type ExercisePaths, pickHints, renderCheck } from '../../src/exercise/run.js';
import { createProgress } from '../../src/lab/progress.js';
import { loadLabFile } from '../../src/topology/load.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { FakeRuntime } from './support/fake-runtime.js';

const REPO = join(import.meta.dirname, '..', '..');
const EXERCISES_DIR = join(REPO, 'labs', 'exercises');
const PATHS: ExercisePaths = { labsDir: join(REPO, 'labs'), exercisesDir: EXERCISES_DIR, configRoot: join(REPO, 'frr-configs') };
const lab = loadLabFile(join(REPO, 'labs', 'default.yaml'));
const quiet = createProgress(() => undefined);

describe('exercise registry', () => {
  it('has one folder per exercise, each with a README and a valid exercise.yaml naming a lab that loads', () => {
    const ids = EXERCISES.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const folders = readdirSync(EXERCISES_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(existsSync(join(EXERCISES_DIR, id, 'README.md')), `${id}/README.md`).toBe(true);
      const meta = loadMeta(join(EXERCISES_DIR, id));
      expect(meta.hints.length).toBeGreaterThan(0);
      expect(() => loadLabFile(join(REPO, 'labs', meta.lab))).not.toThrow();
    }
  });

  it.each([
    [undefined, /name an exercise: prepend-catchment, drain-maintenance, tcp-stream, missing-bfd, prefix-leak, identify-pops, asymmetric-path/],
    ['nope', /unknown exercise "nope"; exercises: prepend-catchment, drain-maintenance/],
  ])('exerciseById(%s) is a USAGE error listing the exercises', (id, message) => {
    expect(() => exerciseById(id)).toThrow(message);
    try {
      exerciseById(id);
    } catch (e) {
      expect((e as { code: string }).code).toBe('USAGE');
    }
  });

  it.each([
    ['title: T\nsummary: S\nminutes: 15\nhints: [a]\n', null],
    ['title: T\nsummary: S\nminutes: 15\nhints: []\n', /hints: /],
    ['title: T\nminutes: 15\nhints: [a]\n', /summary: /],
    ['title: T\nsummary: S\nhints: [a]\n', /minutes: /],
    ['title: T\nsummary: S\nminutes: 0\nhints: [a]\n', /minutes: /],
    ['title: T\nsummary: S\nminutes: 15\nhints: [a]\nextra: 1\n', /extra/],
    ['title: [\n', /not YAML/],
  ])('parseMeta(%j)', (text, error) => {
    if (error) expect(() => parseMeta('x/exercise.yaml', text)).toThrow(error);
    else expect(parseMeta('x/exercise.yaml', text)).toEqual({ title: 'T', summary: 'S', lab: 'default.yaml', minutes: 15, hints: ['a'] });
  });
});

describe('hints', () => {
  const hints = ['first', 'second', 'third'];
  it.each([
    [1, { n: 1, of: 3, hints: ['first'] }],
    [3, { n: 3, of: 3, hints: ['third'] }],
    ['all' as const, { n: 3, of: 3, hints }],
  ])('hint %s', (n, want) => expect(pickHints('x', hints, n)).toEqual(want));
  it.each([0, 4])('hint %s is out of range', (n) => expect(() => pickHints('x', hints, n)).toThrow(`exercise x has hints 1 to 3 (got --n ${n})`));
  it('every exercise leads from a pointer to the answer: the last hint names the fix', () => {
    for (const e of EXERCISES) expect(loadMeta(join(EXERCISES_DIR, e.id)).hints.length, e.id).toBeGreaterThanOrEqual(3);
  });

  // Typed on the laptop, `dig @192.0.2.53` leaves the lab (network safety) and `vtysh -c` finds no router: a probe runs
  // inside a client, a router's CLI through the lab, and every lab command as `npm run lab -- …` from the project folder.
  it('every command in a hint and in the code lines of the exercise READMEs and the workshop guide runs as printed', () => {
    /** Lines of indented or fenced code in markdown: what a reader copies. */
    const codeLines = (md: string) => {
      let fenced = false;
      return md.split('\n').filter((l) => {
        if (l.startsWith('```')) fenced = !fenced;
        return (fenced && !l.startsWith('```')) || /^ {4}\S/.test(l);
      });
    };
    const texts: [string, string][] = [
      ...EXERCISES.flatMap((e) => loadMeta(join(EXERCISES_DIR, e.id)).hints.map((h): [string, string] => [`${e.id} hint`, h])),
      ...EXERCISES.flatMap((e) =>
        codeLines(readFileSync(join(EXERCISES_DIR, e.id, 'README.md'), 'utf8')).map((l): [string, string] => [`${e.id}/README.md`, l]),
      ),
      ...codeLines(readFileSync(join(REPO, 'docs', 'workshop.md'), 'utf8')).map((l): [string, string] => ['docs/workshop.md', l]),
    ];
    const names = [...lab.routers.map((r) => r.name), ...lab.clients.map((c) => c.name), ...EXERCISES.map((e) => e.id)].join('|');
    const rules: [RegExp, RegExp][] = [
      // a probe tool, run inside a client
      [/\b(dig|curl|ping|traceroute)\s/g, /npm run lab -- exec [\w-]+ -- (timeout \d+ )?$/],
      // a router's CLI, reached through the lab
      [/\bvtysh -c\b/g, /npm run lab -- (exec [\w-]+ -- |vtysh [\w-]+ )$/],
      // a lab command naming a node or an exercise (`a | b` shorthand would pipe into a command that does not exist)
      [
        new RegExp(`\\b(exercise (start|check|hint|solve)|withdraw|announce|restore|break|policy|trace|lg|exec|vtysh|shell) (${names})\\b`, 'g'),
        /npm run lab -- $/,
      ],
    ];
    const offenders = texts.flatMap(([where, text]) =>
      rules.flatMap(([what, before]) =>
        [...text.matchAll(what)]
          .filter((m) => !before.test(text.slice(0, m.index)))
          .map((m) => `${where}: …${text.slice(Math.max(0, (m.index ?? 0) - 30), (m.index ?? 0) + 30)}…`),
      ),
    );
    expect(offenders).toEqual([]);
  });
});

describe('checkExercise and its rendering', () => {
  const toy = (check: Exercise['check']): Exercise => ({ id: 'prepend-catchment', check, solve: async () => [] });
  const deps = { rt: new FakeRuntime(), progress: quiet, paths: PATHS };

  it('passes only when every criterion passes', async () => {
    const r = await checkExercise(
      deps,
      toy(async () => [
        { name: 'a', passed: true, reason: 'fine' },
        { name: 'bb', passed: false, reason: 'c-us is answered by iad, want gru' },
      ]),
      lab,
    );
    expect(r).toMatchObject({ id: 'prepend-catchment', passed: false });
    expect(renderCheck(r)).toBe(
      [
        'exercise prepend-catchment: Move c-us to gru with AS-path prepending',
        '  [PASS] a   fine',
        '  [FAIL] bb  c-us is answered by iad, want gru',
        'NOT YET: 1/2 criteria',
      ].join('\n'),
    );
  });

  it('a checker that throws is a failed criterion, not an error', async () => {
    const r = await checkExercise(
      deps,
      toy(async () => {
        throw new Error('al-default-t-ap: vtysh exited 1\nmore');
      }),
      lab,
    );
    expect(r.passed).toBe(false);
    expect(r.criteria).toEqual([{ name: 'the checker could read the lab', passed: false, reason: 'al-default-t-ap: vtysh exited 1' }]);
  });

  it('no criteria is not a pass', async () => {
    expect(
      (
        await checkExercise(
          deps,
          toy(async () => []),
          lab,
        )
      ).passed,
    ).toBe(false);
  });
});

describe('checker logic (pure)', () => {
  it.each([
    [{ 'c-us': 'iad', 'c-de': 'fra' }, { 'c-us': 'gru' }, ['c-us is answered by iad, want gru']],
    [{ 'c-us': null }, { 'c-us': 'gru' }, ['c-us is not answered, want gru']],
    [{ 'c-us': 'gru', 'c-de': 'iad' }, { 'c-us': 'gru' }, []],
  ])('catchmentProblems(%j, %j)', (seen, want, problems) => expect(catchmentProblems(seen, want)).toEqual(problems));

  // t-ap's table (FRR 8.4 `show bgp ipv4 unicast json`, trimmed) with nrt's leaked /25.
  const table = {
    routes: {
      '10.78.2.0/24': [{ peerId: '10.77.0.74', path: '64603' }],
      '192.0.2.0/24': [
        { peerId: '10.77.0.50', path: '65010 64500' },
        { peerId: '10.77.0.18', path: '64500' },
      ],
      '192.0.2.128/25': [{ peerId: '10.77.0.18', path: '64500 64500' }],
      '198.51.100.0/24': [{ peerId: '10.77.0.50', path: '65010 64500' }],
    },
  };
  const ops = new Set([64500]);
  it('transitLeaks: a prefix other than the anycast one straight from the operator is a leak; via another transit it is not ours to judge', () => {
    expect(transitLeaks('t-ap', table, ops, '192.0.2.0/24', new Map([['10.77.0.18', 'nrt']]))).toEqual({
      leaks: ['t-ap accepted 192.0.2.128/25 from AS64500'],
      missing: [],
    });
  });
  it('transitLeaks: the anycast prefix must arrive from every directly connected PoP', () => {
    const only = { routes: { '192.0.2.0/24': [{ peerId: '10.77.0.50', path: '65010 64500' }] } };
    expect(transitLeaks('t-ap', only, ops, '192.0.2.0/24', new Map([['10.77.0.18', 'nrt']]))).toEqual({
      leaks: [],
      missing: ['t-ap does not hear 192.0.2.0/24 from nrt'],
    });
    expect(transitLeaks('t-ap', {}, ops, '192.0.2.0/24', new Map())).toEqual({ leaks: [], missing: [] });
  });

  const rendered = ['ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24', 'ip prefix-list IN-eb-jp seq 5 permit 10.78.2.0/24', 'router bgp 65030'].join('\n');
  const running = [...rendered.split('\n'), 'ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25'].join('\n');
  it('extraPrefixListLines: running entries frr.conf does not have', () => {
    expect(extraPrefixListLines(rendered, running)).toEqual(['ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25']);
    expect(extraPrefixListLines(rendered, rendered)).toEqual([]);
  });
  it('reseatLines: the rendered entries of the touched lists only, deleted then re-added (FRRouting/frr#13369)', () => {
    expect(reseatLines(rendered, ['ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25'])).toEqual([
      'no ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24',
      'ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24',
    ]);
  });

  // The default lab is dual-stack: fra--t-eu is two sessions, each with its BFD peer.
  const teu6 = lab.links.find((l) => l.name === 'fra--t-eu')!.b.ipv6!.address;
  it.each([
    [
      [
        { peer: '10.77.0.3', status: 'up' },
        { peer: teu6, status: 'up' },
      ],
      [],
    ],
    [
      [
        { peer: '10.77.0.3', status: 'down' },
        { peer: teu6, status: 'up' },
      ],
      ['fra ↔ t-eu: BFD peer down'],
    ],
    [[{ peer: '10.77.0.3', status: 'up' }], ['fra ↔ t-eu (IPv6): BFD peer not configured']],
    [[], ['fra ↔ t-eu: BFD peer not configured', 'fra ↔ t-eu (IPv6): BFD peer not configured']],
  ])('bfdProblems(fra, %j)', (peers, problems) => {
    expect(bfdProblems(lab, 'fra', peers)).toEqual(problems);
  });

  it("bfdProblems on a dual-stack lab asks for each family's BFD peer", () => {
    const dual = loadLabFile(join(REPO, 'labs', 'dual-stack.yaml'));
    const teu = dual.links.find((l) => l.name === 'fra--t-eu')!.b;
    expect(bfdProblems(dual, 'fra', [{ peer: teu.address, status: 'up' }])).toEqual(['fra ↔ t-eu (IPv6): BFD peer not configured']);
    expect(
      bfdProblems(dual, 'fra', [
        { peer: teu.address, status: 'up' },
        { peer: teu.ipv6!.address, status: 'up' },
      ]),
    ).toEqual([]);
  });

  it('bfdProblems on an [ipv4] lab: one BFD peer per session, as before', () => {
    expect(bfdProblems(defaultIpv4Lab(), 'fra', [{ peer: '10.77.0.3', status: 'up' }])).toEqual([]);
  });

  it.each([
    ['c-de: fra\nc-us: IAD\nc-jp: nrt\nc-br: gru\n', { 'c-de': 'fra', 'c-us': 'iad', 'c-jp': 'nrt', 'c-br': 'gru' }, []],
    [
      'c-de: fra\nc-xx: nrt\n',
      { 'c-de': 'fra' },
      ['"c-xx" is not a client (clients: c-de, c-us, c-jp, c-br)', 'c-us has no answer', 'c-jp has no answer', 'c-br has no answer'],
    ],
    ['- fra\n', {}, ['answer.yaml must map each client to a PoP, e.g. "c-de: fra"']],
    ['c-de: [\n', {}, [expect.stringMatching(/^answer.yaml is not YAML/)]],
  ])('parseAnswer(%j)', (text, answer, problems) => expect(parseAnswer(text, lab)).toEqual({ answer, problems }));
});

describe('prefix-leak against a fake lab', () => {
  const names = lab.routers.map((r) => `al-default-${r.name}`);
  const transitTable = (leak: boolean) =>
    JSON.stringify({
      routes: {
        '192.0.2.0/24': [{ peerId: '10.77.0.18', path: '64500' }],
        ...(leak ? { '192.0.2.128/25': [{ peerId: '10.77.0.18', path: '64500' }] } : {}),
      },
    });
  const rendered = 'ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24\n';
  const fake = (leak: boolean) =>
    new FakeRuntime({
      running: names,
      onExec: (container, cmd) => {
        if (cmd[0] === 'cat') return { stdout: rendered };
        if (cmd.includes('show running-config'))
          return { stdout: `${rendered}${container.endsWith('t-ap') && leak ? 'ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25\n' : ''}` };
        if (cmd.includes('show bgp ipv4 unicast json')) return { stdout: container.endsWith('t-ap') ? transitTable(leak) : JSON.stringify({ routes: {} }) };
        return undefined;
      },
    });
  const ctx = (rt: FakeRuntime) => ({ rt, lab, progress: quiet, dir: '', configRoot: '' });
  const prefixLeak = exerciseById('prefix-leak');

  it('check reads every transit’s BGP table and names the leak', async () => {
    const criteria = await prefixLeak.check(ctx(fake(true)));
    expect(criteria.map((c) => [c.passed, c.reason])).toEqual([
      [false, 't-ap accepted 192.0.2.128/25 from AS64500'],
      // The fake t-eu and t-us hold nothing: the checker says which PoP they should hear.
      [false, 't-eu does not hear 192.0.2.0/24 from fra; t-us does not hear 192.0.2.0/24 from iad; t-us does not hear 192.0.2.0/24 from gru'],
    ]);
  });

  it('solve removes the loose entry, re-seats the list and soft-clears in from the PoP, on the leaking transit only', async () => {
    const rt = fake(true);
    expect(await prefixLeak.solve(ctx(rt))).toEqual([
      't-ap: no ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25; IN-nrt entries re-added (FRR 8.4 route-map prefix table); clear bgp ipv4 unicast 10.77.0.18 soft in',
    ]);
    const configured = rt.execLog.filter((e) => e.cmd[0] === 'vtysh' && e.cmd.includes('configure terminal'));
    expect(configured.map((e) => e.container)).toEqual(['al-default-t-ap']);
    expect(configured[0].cmd.filter((a) => a !== '-c')).toEqual([
      'vtysh',
      'configure terminal',
      'no ip prefix-list IN-nrt seq 100 permit 192.0.2.0/23 le 25',
      'no ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24',
      'ip prefix-list IN-nrt seq 5 permit 192.0.2.0/24',
      'end',
      'clear bgp ipv4 unicast 10.77.0.18 soft in',
    ]);
    // Nothing left to do: a second solve changes nothing.
    expect(await prefixLeak.solve(ctx(fake(false)))).toEqual([]);
  });
});
