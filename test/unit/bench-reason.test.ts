// A bench case that did not run says why in full: the README showed rows
// ending "BFD did not settle within 90 s:" because only the headline was kept.
import { describe, expect, it } from 'vitest';
import { failedRow, renderBench } from '../../src/bench/failover.js';
import { reasonOf } from '../../src/bench/reason.js';
import { LabError } from '../../src/errors.js';

const err = new LabError('EXPERIMENT', 'BFD did not settle within 90 s:\n  t-eu: BFD peer fra is init\n  t-us: BFD peer iad is down\n  t-ap: x\n  eb-de: y');

describe('reasonOf', () => {
  it.each([
    [err, 'BFD did not settle within 90 s: t-eu: BFD peer fra is init; t-us: BFD peer iad is down; t-ap: x; eb-de: y'],
    [new Error('one line'), 'one line'],
    [new Error('first\nsecond\n\n'), 'first; second'],
    ['a string', 'a string'],
  ])('%s', (e, text) => expect(reasonOf(e)).toBe(text));

  it('the console table puts the reason under it, so the row does not widen a column', () => {
    const row = failedRow({ fault: 'freeze', bfd: '20x3' } as Parameters<typeof failedRow>[0], err);
    const [header, rule, line, why] = renderBench([row]).split('\n');
    expect(line).toMatch(/^freeze\s+20x3\s+0\s+-\s+-/);
    expect(Math.max(header.length, rule.length, line.length)).toBeLessThan(200);
    expect(why).toBe(`freeze 20x3 did not run: ${row.error}`);
  });

  it('a failed bench row keeps every problem, not only the headline', () => {
    const row = failedRow({ fault: 'freeze', bfd: '20x3' } as Parameters<typeof failedRow>[0], err);
    expect(row.error).toMatch(/within 90 s: t-eu: .*; eb-de: y$/);
  });
});
