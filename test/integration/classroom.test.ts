// The classroom board with one real lab: an attendee joins with the CLI, and
// their real `lab up`, `exercise start`, a failing `exercise check`, a
// trainer's `exercise solve --trainer` and a passing check show on the board,
// read in Chromium. The 30-attendee room (no lab) is test/integration/classroom-page.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/exercise/exercise.js';
import type { BoardView } from '../../src/web/classroom-board.js';
import { type RunningClassroom, startClassroom } from '../../src/web/classroom-server.js';
import { type DashboardPage, openDashboardPage } from '../unit/support/chromium.js';
import { lab, TEST_LAB, TEST_LAB_FILE } from './cli.js';

const EX = 'prepend-catchment';
const L = TEST_LAB.name;

describe('classroom board: a real lab reports a real check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classroom-int-'));
  const membershipBefore = process.env.ANYCAST_CLASSROOM_FILE;
  let room: RunningClassroom;
  let ui: DashboardPage;
  let page: Page;
  const board = async (): Promise<BoardView> => (await fetch(new URL('api/board', room.boardUrl))).json() as Promise<BoardView>;
  const me = async () => (await board()).attendees.find((a) => a.name === 'Real Lab');

  beforeAll(async () => {
    // Every `lab` child below inherits it: this test's attendee, not the checkout's own membership.
    process.env.ANYCAST_CLASSROOM_FILE = join(dir, 'membership.json');
    room = await startClassroom({ port: 0, host: '127.0.0.1', file: join(dir, 'board.json') });
    ui = await openDashboardPage(room.boardUrl);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    if (membershipBefore === undefined) delete process.env.ANYCAST_CLASSROOM_FILE;
    else process.env.ANYCAST_CLASSROOM_FILE = membershipBefore;
    await ui?.browser.close();
    await room?.close();
    // The lab is left as a clean start leaves it, for the next test file.
    const r = await lab(['exercise', 'start', EX, '--file', TEST_LAB_FILE, '--json']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('join, up, start, a failing check, solve --trainer, a passing check: each on the board', async () => {
    const joined = await lab(['classroom', 'join', room.joinUrls[0], '--name', 'Real Lab', '--code', room.code]);
    expect(joined.code, joined.stderr).toBe(0);

    const up = await lab(['up', TEST_LAB_FILE, '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(await me()).toMatchObject({ lab: 'up' });

    const started = await lab(['exercise', 'start', EX, '--file', TEST_LAB_FILE, '--json']);
    expect(started.code, started.stderr).toBe(0);
    expect((await me())?.cells[EX]).toMatchObject({ state: 'started' });

    const check = await lab(['exercise', 'check', EX, '--lab', L, '--json']);
    expect(check.code, check.stderr).toBe(1);
    const result = JSON.parse(check.stdout) as CheckResult;
    const failing = result.criteria.filter((c) => !c.passed);
    expect(failing.length).toBeGreaterThan(0);
    const cell = (await me())?.cells[EX];
    expect(cell).toMatchObject({ state: 'failing', attempts: 1 });
    // What the board says failed is what the attendee's check printed.
    expect(cell?.failed.map((f) => f.name)).toEqual(failing.map((c) => c.name));

    await page.waitForFunction(
      (ex) => {
        const row = [...document.querySelectorAll('#board-rows tr')].find((tr) => tr.querySelector('td.who')?.textContent === 'Real Lab');
        const th = [...document.querySelectorAll('#board-head th')].findIndex((h) => h.textContent?.replace(/\u200b/g, '') === ex);
        return row?.children[th]?.textContent === '✗ 1';
      },
      EX,
      { timeout: 5_000 },
    );
    const title = await page.locator('#board-rows td.cell.failing').first().getAttribute('title');
    expect(title).toContain(failing[0].reason.replace(/\s+/g, ' ').slice(0, 40));

    const refused = await lab(['exercise', 'solve', EX, '--lab', L]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exercise solve is for trainers');
    const solved = await lab(['exercise', 'solve', EX, '--trainer', '--lab', L]);
    expect(solved.code, solved.stderr).toBe(0);
    const passed = await lab(['exercise', 'check', EX, '--lab', L, '--json']);
    expect(passed.code, passed.stderr).toBe(0);
    const after = (await me())?.cells[EX];
    expect(after).toMatchObject({ state: 'passed', attempts: 2, solved: true });
    expect(after?.timeMs).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelectorAll('#board-rows td.cell.passed.solved').length === 1, undefined, { timeout: 5_000 });
    expect(ui.consoleErrors).toEqual([]);

    const left = await lab(['classroom', 'leave']);
    expect(left.code, left.stderr).toBe(0);
    expect((await me())?.left).toBe(true);
  }, 600_000);
});
