// The dashboard in a real Chromium (Debian's, driven by playwright-core),
// served from a fake source: no Docker. prepare-host.sh installs chromium;
// without it this test fails and says so, it never skips.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type RunningDashboard, startDashboard } from '../../src/web/server.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { type DashboardPage, openDashboardPage } from './support/chromium.js';
import { type FakeDashboardSource, fakeDashboardSource } from './support/fake-dashboard-source.js';

const SCREENSHOT = join(REPO_ROOT, 'out', 'web-dashboard.png');

describe('web dashboard in Chromium (fake source)', () => {
  const lab = loadLabFile(join(REPO_ROOT, 'labs', 'default.yaml'));
  let source: FakeDashboardSource;
  let dash: RunningDashboard;
  let ui: DashboardPage;
  let page: Page;

  beforeAll(async () => {
    source = fakeDashboardSource(lab);
    dash = await startDashboard(source, { port: 0, control: false, intervalMs: 250 });
    // Bound to loopback only: the dashboard is for this host.
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    ui = await openDashboardPage(dash.url);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await dash?.close();
  });

  it('loads with no console errors and a first snapshot', async () => {
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-de"] .pop')?.textContent === 'fra', undefined, { timeout: 10_000 });
    expect(ui.consoleErrors).toEqual([]);
    // app.js sets the mode once the page has its first topology, which on a
    // busy machine comes after `load` (seen once: the read found it empty).
    await page.waitForFunction(() => document.querySelector('#mode')?.textContent !== '', undefined, { timeout: 5_000 });
    expect(await page.locator('#mode').textContent()).toBe('read-only');
  });

  it('shows every router and client of the default lab', async () => {
    const ids = await page.evaluate(() =>
      (window as unknown as { dashboard: { cy: { nodes(): { map(f: (n: { id(): string }) => string): string[] } } } }).dashboard.cy.nodes().map((n) => n.id()),
    );
    for (const r of lab.routers) expect(ids).toContain(r.name);
    for (const c of lab.clients) expect(ids).toContain(c.name);
    const rows = await page.locator('#catchment tr[data-client]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-client')));
    expect(rows.sort()).toEqual(lab.clients.map((c) => c.name).sort());
    // The default lab is dual-stack: column heads, and each client's IPv6 PoP beside its IPv4 one.
    expect(await page.locator('#catchment thead th').allTextContents()).toEqual(['client', 'where', 'IPv4', 'IPv6', '']);
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-de"] td.pop6')?.textContent === 'fra', undefined, { timeout: 5_000 });
    const pop6 = await page.locator('#catchment tr[data-client] td.pop6').evaluateAll((tds) => tds.map((td) => td.textContent));
    expect(pop6).toEqual(lab.clients.map((c) => (c.expect6 ?? c.expect)?.pop));
    expect(await page.locator('#prefix').textContent()).toBe('192.0.2.0/24 2001:db8::/48');
  });

  it("shows a catchment change in c-de's row within 2 s", async () => {
    source.catchmentNow['c-de'] = 'iad';
    const t0 = performance.now();
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-de"] .pop')?.textContent === 'iad', undefined, { timeout: 2_000 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    const colours = await page.evaluate(() => (window as unknown as { dashboard: { topo: { colours: Record<string, string> } } }).dashboard.topo.colours);
    const bg = await page.locator('tr[data-client="c-de"] .pop').evaluate((td) => getComputedStyle(td).backgroundColor);
    expect(bg).toBe(hexToRgb(colours.iad));
  });

  it('shows the past runs but no failover controls when read-only', async () => {
    await page.waitForSelector('#fo-runs li');
    expect(await page.locator('#fo-run').count()).toBe(0);
    expect(await page.locator('#fo-pop').count()).toBe(0);
    expect(await page.locator('#failover-panel').isVisible()).toBe(true);
  });

  it('marks the best path in the looking glass', async () => {
    await page.waitForSelector('#lg tr.best');
    expect(await page.locator('#lg tr.best').first().textContent()).toContain('best');
  });

  it('saves a screenshot for the docs', async () => {
    // A frozen PoP for the picture: its links turn red, c-de stays on iad.
    source.nodeState.fra = 'paused';
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent === 'paused', undefined, { timeout: 3_000 });
    await page.waitForTimeout(300);
    mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(ui.consoleErrors).toEqual([]);
  });
});

const hexToRgb = (hex: string): string => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

describe('web dashboard with --control in Chromium (fake source)', () => {
  // The default lab as it was before dual-stack: its cards offer no family
  // choice (a dual-stack lab's cards: the last describe of this file).
  const lab = defaultIpv4Lab();
  let source: FakeDashboardSource;
  let dash: RunningDashboard;
  let ui: DashboardPage;
  let page: Page;

  beforeAll(async () => {
    source = fakeDashboardSource(lab);
    dash = await startDashboard(source, { port: 0, control: true, intervalMs: 250 });
    ui = await openDashboardPage(dash.url);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await dash?.close();
  });

  it('withdraws and announces a PoP from its card, through the source the CLI uses', async () => {
    // app.js sets the mode once the page has its first topology, which on a
    // busy machine comes after `load` (seen once: the read found it empty).
    await page.waitForFunction(() => document.querySelector('#mode')?.textContent !== '', undefined, { timeout: 5_000 });
    expect(await page.locator('#mode').textContent()).toBe('CONTROL');
    const card = page.locator('.pop-card[data-pop="fra"]');
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent === 'announced', undefined, { timeout: 5_000 });
    await card.locator('button', { hasText: 'withdraw' }).click();
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent === 'drained', undefined, { timeout: 2_000 });
    await card.locator('button', { hasText: 'announce' }).click();
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent === 'announced', undefined, { timeout: 2_000 });
    expect(source.drainCalls).toEqual([
      { pop: 'fra', drained: true },
      { pop: 'fra', drained: false },
    ]);
    expect(ui.consoleErrors).toEqual([]);
  });

  it('runs a failover from the panel: a live row per client coloured by PoP, fault and restore marked, then a downloadable result', async () => {
    const panel = page.locator('#failover-panel');
    expect(await panel.locator('#fo-mode').inputValue()).toBe('freeze');
    expect(await panel.locator('#fo-trials').inputValue()).toBe('1');
    await panel.locator('#fo-pop').selectOption('fra');
    await panel.locator('#fo-run').click();
    // Live: every client's row, while the run is still on.
    await page.waitForFunction((n) => document.querySelectorAll('#fo-timeline g.row[data-client]').length === n, lab.clients.length, { timeout: 5_000 });
    expect(await page.locator('#fo-status').getAttribute('class')).toBe('running');
    expect(await panel.locator('#fo-run').isDisabled()).toBe(true);
    await page.waitForSelector('#fo-timeline g.marker[data-marker="fault"]', { timeout: 5_000 });
    // c-de's row takes iad's colour after the fault, before the run is over.
    const colours = await page.evaluate(() => (window as unknown as { dashboard: { topo: { colours: Record<string, string> } } }).dashboard.topo.colours);
    await page.waitForSelector(`#fo-timeline g.row[data-client="c-de"] rect[fill="${colours.iad}"]`, { timeout: 5_000 });
    await page.waitForSelector('#fo-timeline g.marker[data-marker="restore"]', { timeout: 5_000 });
    await page.waitForFunction(() => document.querySelector('#fo-status')?.className === 'done', undefined, { timeout: 10_000 });
    expect(await page.locator('#fo-timeline g.row[data-client="c-de"]').getAttribute('data-status')).toBe('moved');
    expect(await panel.locator('#fo-run').isDisabled()).toBe(false);

    const entry = page.locator('#fo-runs li[data-run]').first();
    await entry.locator('a.result').waitFor({ timeout: 5_000 });
    expect(await entry.textContent()).toMatch(/freeze fra ×1 .*c-de \d+ ms/);
    const [download] = await Promise.all([page.waitForEvent('download'), entry.locator('a.result').click()]);
    const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(json).toMatchObject({ pop: 'fra', fault: 'freeze' });
    expect(download.suggestedFilename()).toMatch(/^failover-.*-result\.json$/);
    expect(await entry.locator('a.report').getAttribute('href')).toMatch(/report\.html$/);
    expect(source.failoverCalls).toEqual([{ pop: 'fra', mode: 'freeze', trials: 1 }]);
    mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'out', 'web-dashboard-failover.png') });
    expect(ui.consoleErrors).toEqual([]);
  });

  it('breaks a PoP from its card with the chosen fault mode, then restores it', async () => {
    const card = page.locator('.pop-card[data-pop="fra"]');
    const state = () => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent;
    await page.waitForFunction(`(${state})() === 'announced'`, undefined, { timeout: 5_000 });
    expect(await card.locator('select.fault-mode').inputValue()).toBe('freeze');
    // An [ipv4] lab: no family to choose.
    expect(await page.locator('select.fault-family').count()).toBe(0);
    await card.locator('select.fault-mode').selectOption('silent');
    await card.locator('button.fault').click();
    await page.waitForFunction(`(${state})() === 'broken: silent'`, undefined, { timeout: 2_000 });
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] button.fault')?.textContent === 'restore', undefined, {
      timeout: 2_000,
    });
    expect(await card.locator('select.fault-mode').isDisabled()).toBe(true);
    await card.locator('button.fault').click();
    await page.waitForFunction(`(${state})() === 'announced'`, undefined, { timeout: 2_000 });
    expect(source.faultCalls).toEqual([
      { pop: 'fra', mode: 'silent', broken: true },
      { pop: 'fra', mode: 'silent', broken: false },
    ]);
    expect(ui.consoleErrors).toEqual([]);
  });
});

describe('web dashboard of an [ipv4] lab in Chromium (fake source)', () => {
  const lab = defaultIpv4Lab();
  let dash: RunningDashboard;
  let ui: DashboardPage;

  beforeAll(async () => {
    dash = await startDashboard(fakeDashboardSource(lab), { port: 0, control: false, intervalMs: 250 });
    ui = await openDashboardPage(dash.url);
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await dash?.close();
  });

  it('shows the catchment table as it always was: no column heads, no IPv6 column, the IPv4 prefix alone', async () => {
    const { page } = ui;
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-de"] .pop')?.textContent === 'fra', undefined, { timeout: 10_000 });
    const rows = await page.locator('#catchment tr[data-client]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-client')));
    expect(rows.sort()).toEqual(lab.clients.map((c) => c.name).sort());
    expect(await page.locator('#catchment thead, #catchment td.pop6').count()).toBe(0);
    expect(await page.locator('#prefix').textContent()).toBe('192.0.2.0/24');
    expect(ui.consoleErrors).toEqual([]);
  });
});

describe('web dashboard of a dual-stack lab in Chromium (fake source)', () => {
  const lab = loadLabFile(join(REPO_ROOT, 'labs', 'dual-stack.yaml'));
  let source: FakeDashboardSource;
  let dash: RunningDashboard;
  let ui: DashboardPage;
  let page: Page;
  const cell = (client: string, family: 'pop' | 'pop6') => page.locator(`tr[data-client="${client}"] td.${family}`);

  beforeAll(async () => {
    // Each client's IPv6 under client/ipv6, at its expect6 (c-jp's IPv6 lands on fra, as the lab file says).
    source = fakeDashboardSource(lab);
    dash = await startDashboard(source, { port: 0, control: false, intervalMs: 250 });
    ui = await openDashboardPage(dash.url);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await dash?.close();
  });

  it('shows each client’s IPv4 and IPv6 PoP side by side, under column heads', async () => {
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-jp"] td.pop6')?.textContent === 'fra', undefined, { timeout: 10_000 });
    expect(await cell('c-jp', 'pop').textContent()).toBe('nrt');
    expect(await page.locator('#catchment thead th').allTextContents()).toEqual(['client', 'where', 'IPv4', 'IPv6', '']);
    expect(await page.locator('tr[data-client="c-jp"] td.expect').textContent()).toBe('expect nrt / fra');
    expect(await page.locator('tr[data-client="c-de"] td.expect').textContent()).toBe('expect fra');
    expect(await page.locator('#prefix').textContent()).toBe(`${lab.anycast.prefix} ${lab.anycast.ipv6?.prefix}`);
    expect(ui.consoleErrors).toEqual([]);
  });

  it('an IPv6-only move shows in the IPv6 column only, coloured by its PoP and flagged', async () => {
    source.catchmentNow['c-de/ipv6'] = 'iad';
    await page.waitForFunction(() => document.querySelector('tr[data-client="c-de"] td.pop6')?.textContent === 'iad', undefined, { timeout: 2_000 });
    expect(await cell('c-de', 'pop').textContent()).toBe('fra');
    const colours = await page.evaluate(() => (window as unknown as { dashboard: { topo: { colours: Record<string, string> } } }).dashboard.topo.colours);
    expect(await cell('c-de', 'pop6').evaluate((td) => getComputedStyle(td).backgroundColor)).toBe(hexToRgb(colours.iad));
    expect(await page.locator('tr[data-client="c-de"] td.expect').getAttribute('class')).toContain('moved');
    expect(ui.consoleErrors).toEqual([]);
  });
});

describe('breaking one family of a dual-stack lab from a PoP card in Chromium (fake source)', () => {
  const lab = loadLabFile(join(REPO_ROOT, 'labs', 'dual-stack.yaml'));
  let source: FakeDashboardSource;
  let dash: RunningDashboard;
  let ui: DashboardPage;
  let page: Page;

  beforeAll(async () => {
    source = fakeDashboardSource(lab);
    for (const c of lab.clients) source.catchmentNow[`${c.name}/ipv6`] = c.expect6?.pop ?? c.expect?.pop ?? null;
    // A CLI run of `failover --fault service --fault-family ipv6` on disk: the runs list names its family.
    const run = join(source.runsDir, 'failover-2026-01-01T00-00-00Z');
    mkdirSync(run);
    const cli = JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'results', 'failover-run-2026-12-01T00-01Z.json'), 'utf8'));
    writeFileSync(join(run, 'result.json'), JSON.stringify({ ...cli, fault: 'service', faultFamily: 'ipv6' }));
    dash = await startDashboard(source, { port: 0, control: true, intervalMs: 250 });
    ui = await openDashboardPage(dash.url);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await dash?.close();
  });

  it('offers the family for a mode that can aim, breaks IPv6 only as `break --family ipv6` does, then restores', async () => {
    const card = page.locator('.pop-card[data-pop="fra"]');
    const family = card.locator('select.fault-family');
    const state = () => document.querySelector('.pop-card[data-pop="fra"] .state')?.textContent;
    await page.waitForFunction(`(${state})() === 'announced'`, undefined, { timeout: 10_000 });
    // freeze stops the whole PoP: no choice; service can aim.
    expect(await family.inputValue()).toBe('both');
    expect(await family.isDisabled()).toBe(true);
    await card.locator('select.fault-mode').selectOption('service');
    expect(await family.isDisabled()).toBe(false);
    expect(await family.locator('option').allTextContents()).toEqual(['both', 'IPv4 only', 'IPv6 only']);
    await family.selectOption('ipv6');
    await card.locator('button.fault').click();
    await page.waitForFunction(`(${state})() === 'broken: service (ipv6 only)'`, undefined, { timeout: 2_000 });
    await page.waitForFunction(() => document.querySelector('.pop-card[data-pop="fra"] button.fault')?.textContent === 'restore', undefined, {
      timeout: 2_000,
    });
    expect(await family.isDisabled()).toBe(true);
    await card.locator('button.fault').click();
    await page.waitForFunction(`(${state})() === 'announced'`, undefined, { timeout: 2_000 });
    // both: the PoP as a whole, no family sent.
    await family.selectOption('both');
    await card.locator('button.fault').click();
    await page.waitForFunction(`(${state})() === 'broken: service'`, undefined, { timeout: 2_000 });
    expect(await page.locator('#fo-runs li[data-run="failover-2026-01-01T00-00-00Z"] .what').textContent()).toBe('service (ipv6 only) fra');
    expect(source.faultCalls).toEqual([
      { pop: 'fra', mode: 'service', broken: true, family: 'ipv6' },
      { pop: 'fra', mode: 'service', broken: false },
      { pop: 'fra', mode: 'service', broken: true },
    ]);
    expect(ui.consoleErrors).toEqual([]);
  });
});
