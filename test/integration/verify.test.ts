// `lab verify` as a CI job runs it, on an 8-PoP lab from `lab gen` (its
// generated `verify:` case: freeze the busiest PoP, its clients land on their
// backups): exit 0 with JUnit a parser reads when every bound holds; exit 1
// naming the case, the bound and the measured value when one cannot hold.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabFile } from '../../src/topology/load.js';
import type { VerifyResult } from '../../src/verify/result.js';
import { openDashboardPage } from '../unit/support/chromium.js';
import { lab, labJson, TEST_LAB_FILE } from './cli.js';

const DIR = mkdtempSync(join(tmpdir(), 'verify-test-'));
const FILE = join(DIR, 'scale-8-3-8.yaml');

describe('lab verify on an 8-PoP lab from lab gen', () => {
  beforeAll(async () => {
    const gen = await lab(['gen', '--pops', '8', '--transits', '3', '--eyeballs', '8', '--out', FILE]);
    expect(gen.code, gen.stderr).toBe(0);
    // Alone on the 2 cores while its failover is timed: the suite's lab goes (the next file brings it back).
    await labJson(['down', TEST_LAB_FILE]);
    await labJson(['up', FILE]);
  });

  afterAll(async () => {
    await lab(['down', FILE]);
  });

  it('every bound of the generated case holds: exit 0, a pass/fail table, JUnit with one testcase per bound', async () => {
    const xml = join(DIR, 'verify.xml');
    const r = await lab(['verify', FILE, '--junit', xml, '--json', '--out', join(DIR, 'run')]);
    const doc = JSON.parse(r.stdout) as VerifyResult;
    const failed = doc.cases.flatMap((c) => [
      ...c.verdicts.filter((v) => !v.pass).map((v) => `${c.name}: ${v.bound} ${v.measured}`),
      ...(c.error ? [c.error] : []),
    ]);
    expect(failed, r.stderr.slice(-2000)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc).toMatchObject({ schemaVersion: 1, lab: loadLabFile(FILE).name, passed: true });
    const [c] = doc.cases;
    expect(c.verdicts.map((v) => v.bound)).toEqual([
      ...Object.keys(loadLabFile(FILE).verify![0].expect).map((k) => `expect ${k}`),
      'p50',
      'max',
      'collateral',
      'flaps',
      'lost',
    ]);
    // The JUnit file, read by a real XML parser (Chromium's).
    const ui = await openDashboardPage('about:blank');
    try {
      const parsed = await ui.page.evaluate(
        (text) => {
          const d = new DOMParser().parseFromString(text, 'application/xml');
          return {
            error: d.querySelector('parsererror')?.textContent ?? null,
            cases: d.querySelectorAll('testcase').length,
            failures: d.querySelectorAll('failure').length,
          };
        },
        readFileSync(xml, 'utf8'),
      );
      expect(parsed).toEqual({ error: null, cases: c.verdicts.length, failures: 0 });
    } finally {
      await ui.browser.close();
    }
  });

  it('an impossible bound (max 1 ms) exits 1 naming the case, the bound and the measured value', async () => {
    const impossible = join(DIR, 'impossible.yaml');
    copyFileSync(FILE, impossible);
    writeFileSync(
      impossible,
      readFileSync(impossible, 'utf8')
        .replace(/trials: 5/, 'trials: 1')
        .replace(/max: "\d+ms"/, 'max: 1ms'),
    );
    const name = loadLabFile(impossible).verify![0].name;
    const r = await lab(['verify', impossible, '--out', join(DIR, 'impossible')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error \\[VERIFY_FAILED\\]: 1 bound failed:\\n${name}: max measured \\d+ ms, bound ≤ 1 ms`));
    expect(r.stdout).toMatch(new RegExp(`${name}\\s+max\\s+≤ 1 ms\\s+\\d+ ms\\s+FAIL`));
  });
});
