// `lab verify --junit`: read back by a real XML parser (Chromium's
// DOMParser, libxml2: no XML parser is in node_modules) the way a CI report
// viewer reads it — one testsuite per case, one testcase per bound, failures
// carrying case, bound and measured value; text that needs escaping survives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from '../../src/verify/junit.js';
import type { VerifyResult } from '../../src/verify/result.js';
import { renderVerifyTable } from '../../src/verify/table.js';
import { type DashboardPage, openDashboardPage } from './support/chromium.js';

const RESULT: VerifyResult = {
  schemaVersion: 1,
  lab: 'default',
  file: '/repo/labs/default.yaml',
  passed: false,
  wallMs: 65_000,
  cases: [
    {
      name: 'freeze-fra',
      pop: 'fra',
      mode: 'freeze',
      bfd: '100x3',
      trials: 10,
      passed: false,
      wallMs: 60_000,
      verdicts: [
        { bound: 'expect c-de', limit: 'iad', measured: '10/10 on iad', value: 10, pass: true },
        { bound: 'p50', limit: '≤ 450 ms', measured: '330 ms', value: 330, pass: true },
        { bound: 'max', limit: '≤ 1 ms', measured: '460 ms', value: 460, pass: false },
      ],
    },
    {
      name: 'cut-fra',
      pop: 'fra',
      mode: 'cut',
      bfd: 'on',
      trials: 3,
      passed: false,
      wallMs: 5_000,
      error: 'baseline <not> reached & "c-de" still on \'fra\'\u0007',
      verdicts: [],
    },
  ],
};

interface Parsed {
  error: string | null;
  root: string;
  suites: {
    name: string;
    tests: string;
    failures: string;
    errors: string;
    time: string;
    cases: { classname: string; name: string; failure: string | null; error: string | null }[];
  }[];
}

describe('JUnit XML', () => {
  let ui: DashboardPage;
  beforeAll(async () => {
    ui = await openDashboardPage('about:blank');
  }, 30_000);
  afterAll(async () => {
    await ui?.browser.close();
  });

  const parse = (xml: string): Promise<Parsed> =>
    ui.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const err = doc.querySelector('parsererror');
      return {
        error: err ? (err.textContent ?? 'parsererror') : null,
        root: `${doc.documentElement.tagName} tests=${doc.documentElement.getAttribute('tests')} failures=${doc.documentElement.getAttribute('failures')} errors=${doc.documentElement.getAttribute('errors')}`,
        suites: [...doc.querySelectorAll('testsuites > testsuite')].map((s) => ({
          name: s.getAttribute('name') ?? '',
          tests: s.getAttribute('tests') ?? '',
          failures: s.getAttribute('failures') ?? '',
          errors: s.getAttribute('errors') ?? '',
          time: s.getAttribute('time') ?? '',
          cases: [...s.querySelectorAll('testcase')].map((c) => ({
            classname: c.getAttribute('classname') ?? '',
            name: c.getAttribute('name') ?? '',
            failure: c.querySelector('failure')?.getAttribute('message') ?? null,
            error: c.querySelector('error')?.getAttribute('message') ?? null,
          })),
        })),
      };
    }, xml);

  it('is well-formed and has one testcase per case × bound, the measured value and bound in each failure', async () => {
    const p = await parse(renderJunit(RESULT));
    expect(p.error).toBeNull();
    expect(p.root).toBe('testsuites tests=4 failures=1 errors=1');
    expect(p.suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.time])).toEqual([
      ['freeze-fra', '3', '1', '0', '60.000'],
      ['cut-fra', '1', '0', '1', '5.000'],
    ]);
    expect(p.suites[0].cases).toEqual([
      { classname: 'default.freeze-fra', name: 'expect c-de iad', failure: null, error: null },
      { classname: 'default.freeze-fra', name: 'p50 ≤ 450 ms', failure: null, error: null },
      { classname: 'default.freeze-fra', name: 'max ≤ 1 ms', failure: 'freeze-fra: max measured 460 ms, bound ≤ 1 ms', error: null },
    ]);
    // Markup characters come back as written; the control character XML cannot carry is dropped.
    expect(p.suites[1].cases).toEqual([
      { classname: 'default.cut-fra', name: 'run', failure: null, error: `cut-fra: cut on fra did not run: baseline <not> reached & "c-de" still on 'fra'` },
    ]);
  });

  it('a parser refuses unescaped markup (the check can fail)', async () => {
    expect((await parse('<testsuites><testsuite name="a<b"/></testsuites>')).error).not.toBeNull();
  });

  it('escapes the five XML characters', () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('the table shows each bound beside its measured value and names what failed', () => {
    const t = renderVerifyTable(RESULT);
    expect(t).toMatch(/freeze-fra\s+max\s+≤ 1 ms\s+460 ms\s+FAIL/);
    expect(t).toMatch(/freeze-fra\s+p50\s+≤ 450 ms\s+330 ms\s+pass/);
    expect(t).toContain('2 failed:\n  freeze-fra: max measured 460 ms, bound ≤ 1 ms\n  cut-fra: did not run: baseline <not> reached');
    // A reason of several lines stays whole below the table, and out of its columns.
    const multi = renderVerifyTable({ ...RESULT, cases: [{ ...RESULT.cases[1], error: 'not back at baseline after 90 s:\n  fra: down\n  iad: down' }] });
    expect(multi).toMatch(/cut-fra\s+run\s+-\s+did not run \(why: below\)\s+FAIL/);
    expect(multi).toContain('cut-fra: did not run: not back at baseline after 90 s:\n      fra: down\n      iad: down');
    const widths = multi
      .split('\n')
      .slice(1, 4)
      .map((l) => l.length);
    expect(Math.max(...widths)).toBeLessThan(100);
  });
});
