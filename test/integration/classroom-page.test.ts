// The trainer's board in a real Chromium with a room of 30: each simulated
// attendee is its own node process posting what an attendee's lab posts,
// two more are the real CLI (`lab classroom join`, `lab exercise hint`).
// No lab containers: the one real `exercise check` is in
// test/integration/classroom.test.ts. Also: a malformed, an oversized, a
// wrong-code post and floods are refused and leave the board as it was; a
// restarted server shows the same board. Writes out/classroom-board.png.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import type { BoardView } from '../../src/web/classroom-board.js';
import { type RunningClassroom, startClassroom } from '../../src/web/classroom-server.js';
import { type DashboardPage, openDashboardPage } from '../unit/support/chromium.js';

const ATTENDEES = 30;
// Into out/, like the dashboard's: docs/classroom-board.png is copied from it by hand, so a test run leaves the tree clean.
const SCREENSHOT = join(REPO_ROOT, 'out', 'classroom-board.png');
const SIM = join(import.meta.dirname, '..', 'unit', 'support', 'classroom-attendee.mjs');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const EVIL = '<img src=x onerror="window.pwned=1">';
const NAMES = [
  'Ana Souza',
  'Bram de Vries',
  'Chen Wei',
  'Dagny Olsen',
  'Emeka Obi',
  'Fatima Zahra',
  'Gustavo Lima',
  EVIL,
  'Hiro Tanaka',
  'Ingrid Berg',
  'Jonas Weber',
  'Kavya Rao',
  'Lena Fischer',
  'Mateo García',
  'Nadia Petrova',
  'Olu Adeyemi',
  'Priya Nair',
  'Quentin Roux',
  'Rosa Martín',
  'Sven Larsen',
  'Tomás Novák',
  'Uma Patel',
  'Viktor Horváth',
  'Wen Li',
  'Ximena Ruiz',
  'Yusuf Demir',
  'Zoë Jansen',
  'Aino Virtanen',
  'Bilal Khan',
  'Chloé Dubois',
];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}
const wait = (p: ChildProcess): Promise<Exit> =>
  new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (b) => (stdout += b));
    p.stderr?.on('data', (b) => (stderr += b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
/** The real CLI, as an attendee types it, with its own membership file. */
const lab = (args: string[], membership: string) =>
  wait(spawn(TSX, [join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ANYCAST_CLASSROOM_FILE: membership } }));

describe('classroom board: 30 attendees in Chromium (no lab)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classroom-board-'));
  const boardFile = join(dir, 'board.json');
  let room: RunningClassroom;
  let ui: DashboardPage;
  let page: Page;
  const url = () => room.joinUrls[0];
  const board = async (): Promise<BoardView> => (await fetch(new URL('api/board', room.boardUrl))).json() as Promise<BoardView>;
  /** The board without what moves by itself (time seen, last seen). */
  const content = (v: BoardView) => ({ ...v, at: 0, attendees: v.attendees.map((a) => ({ ...a, lastSeenMs: 0 })) });
  const postRaw = (body: string, code = room.code) =>
    fetch(new URL('api/events', url()), { method: 'POST', headers: { authorization: `Bearer ${code}`, 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    room = await startClassroom({ port: 0, host: '127.0.0.1', file: boardFile });
    expect(room.boardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(room.code).toMatch(/^[A-Z2-9]{3}-[A-Z2-9]{3}$/);
    ui = await openDashboardPage(room.boardUrl);
    page = ui.page;
  }, 60_000);

  afterAll(async () => {
    await ui?.browser.close();
    await room?.close();
  });

  it('30 attendees posting from 30 processes, plus 2 through the real CLI, show up live', async () => {
    const sims = NAMES.map((name, i) => wait(spawn(process.execPath, [SIM, url(), room.code, String(i), name], { stdio: ['ignore', 'pipe', 'pipe'] })));
    const cli = [0, 1].map(async (k) => {
      const membership = join(dir, `cli-${k}.json`);
      const joined = await lab(['classroom', 'join', url(), '--name', `CLI attendee ${k + 1}`, '--code', room.code.toLowerCase()], membership);
      expect(joined.code, joined.stderr).toBe(0);
      expect(joined.stdout).toContain('joined the classroom board');
      const hint = await lab(['exercise', 'hint', 'missing-bfd'], membership);
      expect(hint.code, hint.stderr).toBe(0);
      return membership;
    });
    for (const r of await Promise.all(sims)) expect(r.code, r.stderr).toBe(0);
    const [m1] = await Promise.all(cli);

    await page.waitForFunction((n) => document.querySelectorAll('#board-rows tr[data-attendee]').length === n, ATTENDEES + 2, { timeout: 10_000 });
    const v = await board();
    expect(v.attendees).toHaveLength(ATTENDEES + 2);
    // 30 = 6 of each scenario: 1 is "stuck" (the same check 3 times).
    expect(v.flagged.stuck).toBe(6);
    expect(await page.locator('#board-rows .flag.stuck').count()).toBe(6);
    expect(await page.locator('#help li[data-attendee]').count()).toBe(6);
    const prepend = v.exercises.find((e) => e.id === 'prepend-catchment');
    // Passed: scenarios 0, 2, 3 and 4 (4 with solve, left out of the median).
    expect(prepend).toMatchObject({ started: 30, passed: 24 });
    expect(prepend?.medianMs).toBeGreaterThan(0);
    const medianCell = await page.locator('#board-foot .median-row td').first().textContent();
    expect(medianCell).toMatch(/^\d+:\d\d$/);
    // The CLI's hint reached the board under the CLI attendee's name.
    expect(v.attendees.find((a) => a.name === 'CLI attendee 1')?.cells['missing-bfd']).toMatchObject({ hints: 1 });
    expect(await page.locator('#board-rows td.cell.solved').count()).toBe(6);

    // Escaped: the name is text on the page; no element was made of it and nothing ran.
    expect(await page.locator('#board-rows td.who', { hasText: EVIL }).count()).toBe(1);
    expect(await page.locator('#board-rows img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(ui.consoleErrors).toEqual([]);

    // Live: a `leave` from the CLI greys its row without a reload.
    const left = await lab(['classroom', 'leave'], m1);
    expect(left.code, left.stderr).toBe(0);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#board-rows tr.left td.who')].some((td) => td.textContent === 'CLI attendee 1'),
      undefined,
      {
        timeout: 5_000,
      },
    );

    await page.screenshot({ path: SCREENSHOT });
  }, 180_000);

  it('the CLI refuses a wrong code with what to do, and `exercise solve` without --trainer', async () => {
    const wrong = await lab(['classroom', 'join', url(), '--name', 'Mallory', '--code', 'ZZZ-ZZZ'], join(dir, 'wrong.json'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('refused code "ZZZ-ZZZ": check the join code on the trainer\'s screen');
    const solve = await lab(['exercise', 'solve', 'prepend-catchment'], join(dir, 'cli-1.json'));
    expect(solve.code).toBe(2);
    expect(solve.stderr).toContain('exercise solve is for trainers');
    expect((await board()).attendees.some((a) => a.name === 'Mallory')).toBe(false);
  }, 60_000);

  it('refuses malformed, oversized, wrong-code posts and floods clearly, and the board is unchanged', async () => {
    const before = content(await board());
    const ev = (extra: object = {}) => JSON.stringify({ v: 1, id: 'sim-attendee-00', name: NAMES[0], type: 'join', ...extra });

    const malformed = await postRaw('{"v":1,"id":');
    expect([malformed.status, await malformed.json()]).toEqual([400, { error: 'body is not JSON' }]);
    const unknown = await postRaw(ev({ run: 'reboot' }));
    expect([unknown.status, await unknown.json()]).toEqual([400, { error: 'unknown field "run"' }]);
    const oversized = await postRaw(ev({ pad: 'x'.repeat(8000) }));
    expect([oversized.status, await oversized.json()]).toEqual([413, { error: 'body larger than 4096 bytes' }]);
    const wrong = await postRaw(ev(), 'AAA-AAA');
    expect([wrong.status, await wrong.json()]).toEqual([401, { error: 'wrong join code: use the code the trainer’s board shows' }]);

    // One attendee's lab in a loop: cut off after its burst of 10.
    const own = await Promise.all(Array.from({ length: 20 }, () => postRaw(ev())));
    const limited = own.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The whole room's budget, flooded with guesses at the code: 429 before any is even checked.
    // Sent in waves until refused: how many get through first depends on how fast this machine sends (the bucket refills at 100/s).
    const flood: Response[] = [];
    while (!flood.some((r) => r.status === 429) && flood.length < 6000)
      flood.push(...(await Promise.all(Array.from({ length: 300 }, () => postRaw(ev(), 'GUESS')))));
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([401, 429]));
    const busy = flood.find((r) => r.status === 429);
    expect(await busy?.json()).toEqual({ error: expect.stringMatching(/^the board is busy: retry in \d+ s$/) });
    expect(Number(busy?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    expect(content(await board())).toEqual(before);
    expect(await page.locator('#board-rows tr[data-attendee]').count()).toBe(ATTENDEES + 2);
  }, 60_000);

  it('a restarted server shows the same board and takes the same code', async () => {
    const before = content(await board());
    const { code } = room;
    await room.close();
    room = await startClassroom({ port: 0, host: '127.0.0.1', file: boardFile });
    expect(room.code).toBe(code);
    expect(room.attendees).toBe(ATTENDEES + 2);
    expect(content(await board())).toEqual(before);
    await page.goto(room.boardUrl);
    await page.waitForFunction((n) => document.querySelectorAll('#board-rows tr[data-attendee]').length === n, ATTENDEES + 2, { timeout: 10_000 });
  }, 60_000);
});
