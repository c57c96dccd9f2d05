// The lab file's `verify:` block is validated like every other field: a
// wrong node, a wrong PoP, a bound without its unit or with an unknown one
// names the file, the line and the field. Lines below are of BASE + VERIFY.
import { describe, expect, it } from 'vitest';
import { LabFileError, type LabFileIssue } from '../../src/errors.js';
import { generate } from '../../src/topology/generate.js';
import { parseLab } from '../../src/topology/load.js';
import { durationMs } from '../../src/topology/verify.js';
import { BASE, BASE_FILE, editLine } from '../fixtures/topology/base.js';

const VERIFY = `verify:
  - name: freeze-a
    fault: { pop: pop-a, mode: freeze, bfd: 100x3 }
    trials: 3
    expect: { c1: pop-b }
    bounds: { p50: 450ms, max: 1.5s, failback: 2s, collateral: 0, flaps: 0, lost: 0 }
`;
const TEXT = BASE + VERIFY;
const MODES = { faultModes: ['freeze', 'silent'] };

function issuesOf(text: string): LabFileIssue[] {
  try {
    parseLab(text, BASE_FILE, MODES);
  } catch (err) {
    if (err instanceof LabFileError) return err.issues;
    throw err;
  }
  throw new Error('expected a LabFileError, but the lab loaded');
}

describe('verify: block', () => {
  it('resolves a case: durations in ms, BFD on by default, no verify key without the block', () => {
    expect(parseLab(TEXT, BASE_FILE, MODES).verify).toEqual([
      {
        name: 'freeze-a',
        pop: 'pop-a',
        mode: 'freeze',
        bfd: '100x3',
        trials: 3,
        expect: { c1: 'pop-b' },
        bounds: { p50Ms: 450, maxMs: 1500, failbackMs: 2000, collateral: 0, flaps: 0, lost: 0 },
      },
    ]);
    const bare = parseLab(editLine(37, ', bfd: 100x3', '', TEXT), BASE_FILE, MODES).verify?.[0];
    expect(bare?.bfd).toBe('on');
    expect(parseLab(BASE, BASE_FILE)).not.toHaveProperty('verify');
  });

  it.each([
    ['450ms', 450],
    ['2s', 2000],
    ['1.5s', 1500],
    ['0.25ms', 0.25],
  ])('durationMs(%s) = %d', (text, ms) => expect(durationMs(text)).toBe(ms));

  const cases: { name: string; text: string; field: string; line: number; message: RegExp }[] = [
    {
      name: 'a PoP that is not a PoP',
      text: editLine(37, 'pop: pop-a', 'pop: t-one', TEXT),
      field: 'verify[0].fault.pop',
      line: 37,
      message: /"t-one" is not a PoP of this lab \(PoPs: pop-a, pop-b\)/,
    },
    {
      name: 'an unknown fault mode lists the registered ones',
      text: editLine(37, 'mode: freeze', 'mode: melt', TEXT),
      field: 'verify[0].fault.mode',
      line: 37,
      message: /unknown fault mode "melt" \(supported: freeze, silent\)/,
    },
    {
      name: 'an expected client that does not exist',
      text: editLine(39, 'c1: pop-b', 'c9: pop-b', TEXT),
      field: 'verify[0].expect.c9',
      line: 39,
      message: /unknown client "c9" \(clients: c1\)/,
    },
    {
      name: 'an expected PoP that is not a PoP',
      text: editLine(39, 'c1: pop-b', 'c1: eb', TEXT),
      field: 'verify[0].expect.c1',
      line: 39,
      message: /"eb" is not a PoP/,
    },
    {
      name: 'an expected PoP that is the one under fault',
      text: editLine(39, 'c1: pop-b', 'c1: pop-a', TEXT),
      field: 'verify[0].expect.c1',
      line: 39,
      message: /c1 cannot be answered by pop-a while pop-a is the PoP under fault/,
    },
    {
      name: 'a bound without its unit (a number)',
      text: editLine(40, 'p50: 450ms', 'p50: 450', TEXT),
      field: 'verify[0].bounds.p50',
      line: 40,
      message: /450 has no unit: write 450ms or 450s/,
    },
    {
      name: 'a bound without its unit (a string)',
      text: editLine(40, 'max: 1.5s', 'max: "700"', TEXT),
      field: 'verify[0].bounds.max',
      line: 40,
      message: /"700" has no unit/,
    },
    {
      name: 'a bound with an unknown unit',
      text: editLine(40, 'failback: 2s', 'failback: 2min', TEXT),
      field: 'verify[0].bounds.failback',
      line: 40,
      message: /unknown unit "min" in "2min": expected ms or s/,
    },
    {
      name: 'an unknown bound, with a suggestion',
      text: editLine(40, 'p50:', 'p05:', TEXT),
      field: 'verify[0].bounds.p05',
      line: 40,
      message: /unknown field "p05" \(did you mean "p50"\?\)/,
    },
    { name: 'a count that is not whole', text: editLine(40, 'lost: 0', 'lost: 0.5', TEXT), field: 'verify[0].bounds.lost', line: 40, message: /whole number/ },
    {
      name: 'a BFD setting out of FRR range',
      text: editLine(37, 'bfd: 100x3', 'bfd: 5x3', TEXT),
      field: 'verify[0].fault.bfd',
      line: 37,
      message: /outside FRR's 10\.\.60000 ms/,
    },
    {
      name: 'a BFD setting that is not one',
      text: editLine(37, 'bfd: 100x3', 'bfd: fast', TEXT),
      field: 'verify[0].fault.bfd',
      line: 37,
      message: /expected on, off or <tx>x<mult>/,
    },
    { name: 'no trials', text: editLine(38, 'trials: 3', 'trials: 0', TEXT), field: 'verify[0].trials', line: 38, message: /at least 1 trial/ },
    {
      name: 'a duplicate case name',
      text: `${TEXT}  - { name: freeze-a, fault: { pop: pop-b, mode: silent }, trials: 1 }\n`,
      field: 'verify[1].name',
      line: 41,
      message: /duplicate case name "freeze-a" \(already used by verify\[0\]\)/,
    },
  ];

  it.each(cases)('$name → $field at line $line', (c) => {
    const issues = issuesOf(c.text);
    expect(issues, JSON.stringify(issues)).toContainEqual(
      expect.objectContaining({ file: BASE_FILE, field: c.field, line: c.line, message: expect.stringMatching(c.message) }),
    );
  });

  it.each([
    [8, { p50Ms: 450, maxMs: 700 }],
    [9, { p50Ms: 1350, maxMs: 1600 }],
  ])('a generated %i-PoP lab carries a freeze case on its busiest PoP, bounds scaled to its BFD', (pops, times) => {
    const g = generate({ pops, transits: 3, eyeballs: 8 });
    const [c] = parseLab(g.yaml, 'labs/gen.yaml', MODES).verify ?? [];
    const movers = Object.entries(g.expect).filter(([, e]) => e.pop === c.pop);
    expect(movers.length).toBeGreaterThan(0);
    expect(c).toEqual({
      name: `freeze-${c.pop}`,
      pop: c.pop,
      mode: 'freeze',
      bfd: 'on',
      trials: 5,
      expect: Object.fromEntries(movers.map(([client, e]) => [client, e.backup])),
      bounds: { ...times, collateral: 0, flaps: 0, lost: 0 },
    });
    // The busiest PoP: no other PoP answers more clients.
    for (const pop of new Set(Object.values(g.expect).map((e) => e.pop))) {
      expect(Object.values(g.expect).filter((e) => e.pop === pop).length).toBeLessThanOrEqual(movers.length);
    }
  });

  it('checks the mode for shape only when the fault modes are not passed in (topology does not import fault/)', () => {
    expect(parseLab(editLine(37, 'mode: freeze', 'mode: melt', TEXT), BASE_FILE).verify?.[0].mode).toBe('melt');
  });
});
