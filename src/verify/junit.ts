// `lab verify --junit`: the JUnit XML every CI report viewer reads (Jenkins,
// GitLab, GitHub's test-reporter actions): one testsuite per case, one
// testcase per bound, the measured value and the bound in the failure
// message. A case that could not run is one testcase with an <error>.
import type { VerifyCaseReport, VerifyResult } from './result.js';

/** XML 1.0 text and attribute escaping; characters XML 1.0 cannot carry at all are dropped. */
export function xmlEscape(s: string): string {
  return (
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing exactly the control characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

export function renderJunit(r: VerifyResult): string {
  const suites = r.cases.map((c) => suite(r.lab, c));
  const tests = r.cases.reduce((n, c) => n + testCount(c), 0);
  const failures = r.cases.reduce((n, c) => n + c.verdicts.filter((v) => !v.pass).length, 0);
  const errors = r.cases.filter((c) => c.error !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `lab verify ${r.lab}`, tests, failures, errors, time: seconds(r.wallMs) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

const testCount = (c: VerifyCaseReport): number => c.verdicts.length + (c.error !== undefined ? 1 : 0);

function suite(lab: string, c: VerifyCaseReport): string {
  const classname = `${lab}.${c.name}`;
  // Each bound is judged from the same run: the case's time is shared out so the suite adds up.
  const time = seconds(c.wallMs / Math.max(1, testCount(c)));
  const head = `  <testsuite${attrs({ name: c.name, tests: testCount(c), failures: c.verdicts.filter((v) => !v.pass).length, errors: c.error !== undefined ? 1 : 0, time: seconds(c.wallMs) })}>`;
  const cases = c.verdicts.map((v) => {
    const open = `    <testcase${attrs({ classname, name: `${v.bound} ${v.limit}`, time })}`;
    if (v.pass) return `${open}/>`;
    const message = `${c.name}: ${v.bound} measured ${v.measured}, bound ${v.limit}`;
    return `${open}>\n      <failure${attrs({ message, type: 'bound' })}>${xmlEscape(message)}</failure>\n    </testcase>`;
  });
  if (c.error !== undefined) {
    const message = `${c.name}: ${c.mode} on ${c.pop} did not run: ${c.error}`;
    cases.push(
      `    <testcase${attrs({ classname, name: 'run', time })}>\n      <error${attrs({ message, type: 'run' })}>${xmlEscape(message)}</error>\n    </testcase>`,
    );
  }
  return [head, ...cases, '  </testsuite>'].join('\n');
}
