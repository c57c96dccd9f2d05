// Issue "See it": the dashboard on the real default lab, in Debian's Chromium.
// Started as a user starts it (`npm run lab -- web --port 0 --control
// --json`), read through the page only: every router and client shown, every
// link green, every PoP announced, a looking glass with a best path; a frozen
// PoP (frozen from its card, through the `freeze` fault `lab break` runs)
// moves c-de's row to iad within 2 s and back after restore; a drain from a
// PoP's card moves c-de and announce brings it back; a 1-trial freeze of fra
// from the failover panel (the CLI's `failover`) shows c-de moving to iad on
// the live timeline, lists the run, and serves its result JSON. A screenshot
// is kept for the README.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import type { UpResult } from '../../src/lab/up.js';
import { createDockerRuntime } from '../../src/runtime/docker-runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type DashboardPage, openDashboardPage } from '../unit/support/chromium.js';
import { labJson, REPO, until } from './cli.js';

const spec = loadLabFile(join(REPO, 'labs', 'default.yaml'));
const rowPop = (client: string) => `document.querySelector('tr[data-client="${client}"] .pop')?.textContent`;
const cardState = (pop: string) => `document.querySelector('.pop-card[data-pop="${pop}"] .state')?.textContent`;

/** When (performance.now) the server's progress said fra is paused: the `freeze` fault's own step, just after docker pause returned. */
const pauseSteps: number[] = [];

/** `npm run lab -- web …` as a child; resolves with its URL once it listens. */
function startWeb(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'anycast-lab.mjs'), 'web', '--json', '--port', '0', '--control'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (b) => {
      out += b;
      try {
        resolve({ child, url: (JSON.parse(out) as { url: string }).url });
      } catch {
        // not the whole document yet
      }
    });
    let line = '';
    child.stderr?.on('data', (b) => {
      err += b;
      // NDJSON progress (--json), whole lines only: {"progress":{"subject":"fra","step":"paused",…}}
      const lines = (line + String(b)).split('\n');
      line = lines.pop() ?? '';
      for (const l of lines) if (l.includes('"subject":"fra","step":"paused"')) pauseSteps.push(performance.now());
    });
    child.on('exit', (code) => reject(new Error(`lab web exited ${code}: ${err.slice(-2000)}`)));
  });
}

describe('web dashboard on the default lab (Chromium)', () => {
  let web: { child: ChildProcess; url: string };
  let ui: DashboardPage;
  let page: Page;

  beforeAll(async () => {
    await labJson<UpResult>(['up']);
    web = await startWeb();
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    ui = await openDashboardPage(web.url);
    page = ui.page;
  }, 120_000);

  afterAll(async () => {
    await ui?.browser.close();
    web?.child.kill('SIGINT');
    // Whatever a failed test left: fra running and announced.
    await createDockerRuntime()
      .unpauseContainer('al-default-fra')
      .catch(() => undefined);
    await labJson(['announce', 'fra']).catch(() => undefined);
  });

  it('shows every router and client, every link up, every PoP announced, no console errors', async () => {
    for (const c of spec.clients) await page.waitForFunction(`${rowPop(c.name)} === '${c.expect?.pop}'`, undefined, { timeout: 15_000 });
    for (const p of ['fra', 'iad', 'nrt', 'gru']) await page.waitForFunction(`${cardState(p)} === 'announced'`, undefined, { timeout: 10_000 });
    await page.waitForFunction(
      () => {
        const cy = (window as unknown as { dashboard: { cy: { edges(s: string): { length: number } } } }).dashboard.cy;
        return cy.edges('.link').length > 0 && cy.edges('.link').length === cy.edges('.link.up').length;
      },
      undefined,
      { timeout: 30_000 },
    );
    const ids = await page.evaluate(() =>
      (window as unknown as { dashboard: { cy: { nodes(): { map(f: (n: { id(): string }) => string): string[] } } } }).dashboard.cy.nodes().map((n) => n.id()),
    );
    for (const n of [...spec.routers, ...spec.clients]) expect(ids).toContain(n.name);
    expect(ui.consoleErrors).toEqual([]);
  });

  it("marks t-eu's best path to the anycast prefix, via fra", async () => {
    await page.selectOption('#lg-router', 't-eu');
    // The table refreshes every 3 s: a row drawn before the lab settled (the
    // previous file's faults) may still show another path for up to one refresh.
    const best = await page
      .waitForFunction(
        () => {
          const t = document.querySelector('#lg tr.best')?.textContent ?? '';
          return t.includes('fra') ? t : null;
        },
        undefined,
        { timeout: 10_000 },
      )
      .then((h) => h.jsonValue())
      .catch(async () => `not via fra within 10 s: ${await page.locator('#lg').textContent()}`);
    expect(best).toContain('64500');
    expect(best).toContain('fra');
  });

  // The 2 s, freezing fra from its card as a trainer would. Each
  // client's probe agent asks every 200 ms and the page reads the catchment 4
  // times a second: BFD's 300 ms + ≤ 200 ms + ≤ 250 ms + the SSE hop. The
  // clock starts at the server's "paused" progress step, when docker pause
  // returned; click → row is printed too (it adds the catchment asked before
  // the change and the wait for an exec in flight in fra, exec-gate.ts).
  // Measured 468–871 ms over 15 freezes through the runtime (idle and with
  // two busy loops), and one 3.3 s outlier whose cause was not caught: so, as
  // the failover tests do, a median and a max over 3 freezes, median ≤ 2 s
  // (over 2× margin), max ≤ 4 s. A slow one prints the stream as a second
  // listener saw it, to tell a slow server from a slow page.
  it("freezes fra from its card: c-de's row turns to iad within 2 s (median of 3, max 4 s), and back on restore", async () => {
    const card = page.locator('.pop-card[data-pop="fra"]');
    await page.evaluate(() => {
      const w = window as unknown as { sseLog: string[] };
      w.sseLog = [];
      new EventSource('/events').addEventListener('snapshot', (m) => {
        const ev = JSON.parse(m.data) as { seq: number; catchment: { client: string; pop: string | null }[] };
        w.sseLog.push(`${performance.now()} #${ev.seq} ${ev.catchment.find((c) => c.client === 'c-de')?.pop}`);
      });
    });
    const times: number[] = [];
    const clicks: number[] = [];
    // A failed freeze must not leave fra broken for the tests after it: the card's state lives in the server.
    onTestFailed(async () => {
      await fetch(new URL('/api/pops/fra/restore/freeze', web.url), { method: 'POST' }).catch(() => undefined);
    });
    for (let trial = 0; trial < 3; trial++) {
      await page.waitForFunction(`${rowPop('c-de')} === 'fra' && ${cardState('fra')} === 'announced'`, undefined, { timeout: 30_000 });
      // A random phase against the probe and read intervals.
      await page.waitForTimeout(1000 + Math.random() * 1000);
      const steps = pauseSteps.length;
      expect(await card.locator('select.fault-mode').inputValue()).toBe('freeze');
      const clickedAt = performance.now();
      await card.locator('button.fault').click();
      await page.waitForFunction(`${rowPop('c-de')} === 'iad'`, undefined, { timeout: 15_000, polling: 50 });
      const seenAt = performance.now();
      // docker pause may return after BFD has already acted (a busy daemon, or
      // its retry of runc's "unable to freeze"): wait for the step rather than
      // expect it already; a row that turned before it counts as 0 ms.
      await until("the server's freeze progress step", 10_000, 50, async () => (pauseSteps.length > steps ? true : undefined));
      const ms = Math.max(0, seenAt - pauseSteps[steps]);
      times.push(ms);
      clicks.push(seenAt - clickedAt);
      if (ms >= 2_000) {
        const log = await page.evaluate(() => (window as unknown as { sseLog: string[] }).sseLog.slice(-20));
        console.log(`web: slow freeze (${Math.round(ms)} ms); the last events (page clock): ${log.join(', ')}`);
      }
      await page.waitForFunction(`${cardState('fra')} === 'broken: freeze'`, undefined, { timeout: 5_000 });
      if (trial === 0) {
        // The looking glass follows within its 3 s refresh: t-eu's best path leaves fra for t-us (local-pref 110 over t-ap's 100).
        await page.waitForFunction(() => document.querySelector('#lg tr.best')?.textContent?.includes('t-us'), undefined, { timeout: 10_000 });
        // And the map: fra drawn down once `status` has seen its container paused.
        await page.waitForFunction(
          () =>
            (window as unknown as { dashboard: { cy: { getElementById(id: string): { hasClass(c: string): boolean } } } }).dashboard.cy
              .getElementById('fra')
              .hasClass('down'),
          undefined,
          { timeout: 10_000 },
        );
        mkdirSync(join(REPO, 'out'), { recursive: true });
        await page.screenshot({ path: join(REPO, 'out', 'web-dashboard-freeze.png') });
      }
      // The break request returns once the catchment has settled; then the button offers restore.
      await page.waitForFunction(`document.querySelector('.pop-card[data-pop="fra"] button.fault')?.textContent === 'restore'`, undefined, { timeout: 30_000 });
      await card.locator('button.fault').click();
      await page.waitForFunction(`${rowPop('c-de')} === 'fra'`, undefined, { timeout: 30_000 });
    }
    const sorted = [...times].sort((x, y) => x - y);
    console.log(
      `web: c-de's row showed iad ${sorted.map((t) => Math.round(t)).join(', ')} ms after fra was paused (${clicks.map((t) => Math.round(t)).join(', ')} ms after the click)`,
    );
    expect(sorted[1], 'median').toBeLessThan(2_000);
    expect(sorted[2], 'max').toBeLessThan(4_000);
    expect(ui.consoleErrors).toEqual([]);
  });

  it('drains fra from its card (c-de moves, the card says drained) and announces it again', async () => {
    const card = page.locator('.pop-card[data-pop="fra"]');
    await page.waitForFunction(`${cardState('fra')} === 'announced'`, undefined, { timeout: 30_000 });
    await card.locator('button', { hasText: 'withdraw' }).click();
    await page.waitForFunction(`${cardState('fra')} === 'drained'`, undefined, { timeout: 20_000 });
    await page.waitForFunction(`${rowPop('c-de')} === 'iad'`, undefined, { timeout: 10_000 });
    await card.locator('button', { hasText: 'announce' }).click();
    await page.waitForFunction(`${cardState('fra')} === 'announced'`, undefined, { timeout: 20_000 });
    await page.waitForFunction(`${rowPop('c-de')} === 'fra'`, undefined, { timeout: 10_000 });
    expect(ui.consoleErrors).toEqual([]);
  });

  // The panel runs `failover --pop fra --fault freeze --trials 1` (recordFailover, as the CLI does):
  // about 10 s on a settled lab (10 CLI trials took 84 s, bench/results/failover-run-2026-12-01T00-01Z.json).
  // No new timing bound: the 2 s one is the card test's above; these waits are deadlines only.
  it('runs a 1-trial freeze of fra from the failover panel: c-de turns iad on the live timeline, the run is listed, its result JSON downloads', async () => {
    await page.waitForFunction(`${rowPop('c-de')} === 'fra' && ${cardState('fra')} === 'announced'`, undefined, { timeout: 30_000 });
    const panel = page.locator('#failover-panel');
    await panel.locator('#fo-pop').selectOption('fra');
    await panel.locator('#fo-mode').selectOption('freeze');
    await panel.locator('#fo-trials').fill('1');
    await panel.locator('#fo-run').click();
    // The run waits for the lab's baseline, then probes every client: a row each.
    await page.waitForFunction((n) => document.querySelectorAll('#fo-timeline g.row[data-client]').length === n, spec.clients.length, { timeout: 60_000 });
    await page.waitForSelector('#fo-timeline g.marker[data-marker="fault"]', { timeout: 60_000 });
    const colours = await page.evaluate(() => (window as unknown as { dashboard: { topo: { colours: Record<string, string> } } }).dashboard.topo.colours);
    await page.waitForSelector(`#fo-timeline g.row[data-client="c-de"] rect[fill="${colours.iad}"]`, { timeout: 15_000 });
    // Seen live: the run still holds the fault (1.5 s), then waits for the failback and the baseline.
    expect(await page.locator('#fo-status').getAttribute('class')).toBe('running');
    await page.waitForSelector('#fo-timeline g.marker[data-marker="restore"]', { timeout: 30_000 });
    await page.waitForFunction(() => ['done', 'failed', 'stopped'].includes(document.querySelector('#fo-status')?.className ?? ''), undefined, {
      timeout: 180_000,
    });
    expect(await page.locator('#fo-status').textContent()).toMatch(/freeze fra · trial 1\/1 · done$/);
    // This tests the panel, not the failover: failover.test.ts holds every trial
    // to "moved once, nobody else hurt" without a browser on the same 2 cores.
    // Here c-de must have left fra for iad; a flap is printed, not failed.
    const status = await page.locator('#fo-timeline g.row[data-client="c-de"]').getAttribute('data-status');
    expect(['moved', 'flapped']).toContain(status);
    if (status !== 'moved') console.log(`web: the panel's trial judged c-de ${status}`);

    const entry = page.locator('#fo-runs li[data-run]').first();
    await entry.locator('a.result').waitFor({ timeout: 10_000 });
    expect(await entry.textContent()).toMatch(/freeze fra ×1 .*c-de/);
    const [download] = await Promise.all([page.waitForEvent('download'), entry.locator('a.result').click()]);
    const result = JSON.parse(readFileSync((await download.path())!, 'utf8')) as FailoverResult;
    expect(result).toMatchObject({ lab: 'default', pop: 'fra', fault: 'freeze' });
    expect(result.trials).toHaveLength(1);
    const cde = result.trials[0].clients.find((c) => c.client === 'c-de');
    expect(cde).toMatchObject({ affected: true, status });
    expect(cde?.popSequence.slice(0, 2)).toEqual(['fra', 'iad']);
    await page.screenshot({ path: join(REPO, 'out', 'web-dashboard-failover.png') });
    expect(ui.consoleErrors).toEqual([]);
  });
});
