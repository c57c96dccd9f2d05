// The classroom board without a browser: the reducer (events → board, flags,
// medians) by tables, the wire schema, the rate limiter on a hand-driven
// clock, the attendee's reporter, and the server's refusals through app.request.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type NetworkInterfaceInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEvent, type Board, boardView, emptyBoard, IDLE_AFTER_MS, MAX_ATTENDEES, median } from '../../src/web/classroom-board.js';
import { rateLimiter } from '../../src/web/classroom-rate.js';
import { boardUrl, classroomReporter, joinBoard, type Membership, readMembership, toEvent } from '../../src/web/classroom-reporter.js';
import { type ClassroomEvent, codeMatches, MAX_BODY_BYTES, newJoinCode, parseClassroomEvent } from '../../src/web/classroom-schema.js';
import { classroom, lanAddresses, loadBoardFile } from '../../src/web/classroom-server.js';

const EX = ['prepend-catchment', 'drain-maintenance'];
const who = (id = 'attendee-1', name = 'Ada') => ({ v: 1 as const, id, name });
const check = (exercise: string, passed: boolean, failed: string[], attempt: number, elapsedMs: number | null = null, id?: string): ClassroomEvent => ({
  ...who(id),
  type: 'check',
  exercise,
  passed,
  criteria: 3,
  failed: failed.map((name) => ({ name, reason: `${name} is wrong` })),
  attempt,
  elapsedMs,
});
const start = (exercise: string, id?: string): ClassroomEvent => ({ ...who(id), type: 'start', exercise });
const run = (events: [number, ClassroomEvent][], board: Board = emptyBoard()): Board => events.reduce((b, [t, ev]) => applyEvent(b, ev, t), board);

describe('board reducer', () => {
  it.each([
    ['nothing but a join: no cell', [[0, { ...who(), type: 'join' }]], undefined],
    ['a start', [[0, start('prepend-catchment')]], { state: 'started', attempts: 0, stuck: null }],
    [
      'a failing check',
      [
        [0, start('prepend-catchment')],
        [1000, check('prepend-catchment', false, ['catchment'], 1)],
      ],
      { state: 'failing', attempts: 1, stuck: null },
    ],
    [
      'the same criterion failing 3 checks in a row: stuck',
      [
        [0, start('prepend-catchment')],
        [1, check('prepend-catchment', false, ['catchment'], 1)],
        [2, check('prepend-catchment', false, ['catchment', 'sessions'], 2)],
        [3, check('prepend-catchment', false, ['catchment'], 3)],
      ],
      { state: 'failing', attempts: 3, stuck: 'catchment' },
    ],
    [
      'three failures of different criteria: not stuck',
      [
        [0, start('prepend-catchment')],
        [1, check('prepend-catchment', false, ['a'], 1)],
        [2, check('prepend-catchment', false, ['b'], 2)],
        [3, check('prepend-catchment', false, ['a'], 3)],
      ],
      { state: 'failing', attempts: 3, stuck: null },
    ],
    [
      'a pass after failures: passed, time from the lab, flag gone',
      [
        [0, start('prepend-catchment')],
        [1, check('prepend-catchment', false, ['x'], 1)],
        [2, check('prepend-catchment', false, ['x'], 2)],
        [3, check('prepend-catchment', false, ['x'], 3)],
        [5000, check('prepend-catchment', true, [], 4, 4200)],
      ],
      { state: 'passed', attempts: 4, timeMs: 4200, stuck: null, failed: [] },
    ],
    [
      'a pass with no time from the lab: the board measures from the start it saw',
      [
        [1000, start('prepend-catchment')],
        [61_000, check('prepend-catchment', true, [], 1, null)],
      ],
      { state: 'passed', timeMs: 60_000 },
    ],
    [
      'a restart keeps a pass but counts attempts again',
      [
        [0, start('prepend-catchment')],
        [10, check('prepend-catchment', true, [], 1, 10)],
        [20, start('prepend-catchment')],
      ],
      { state: 'passed', attempts: 0, timeMs: 10 },
    ],
    [
      'hints and solve are counted on the cell',
      [
        [0, start('prepend-catchment')],
        [1, { ...who(), type: 'hint', exercise: 'prepend-catchment', n: 1 }],
        [2, { ...who(), type: 'hint', exercise: 'prepend-catchment', n: 2 }],
        [3, { ...who(), type: 'solve', exercise: 'prepend-catchment' }],
      ],
      { hints: 2, solved: true },
    ],
  ] as [string, [number, ClassroomEvent][], object | undefined][])('%s', (_, events, want) => {
    const v = boardView(run(events), EX, 10_000);
    const cell = v.attendees[0].cells['prepend-catchment'];
    if (want === undefined) expect(cell).toBeUndefined();
    else expect(cell).toMatchObject(want);
  });

  it('flags an attendee stuck only on the exercise they are on, and says which criterion', () => {
    const b = run([
      [0, start('prepend-catchment')],
      [1, check('prepend-catchment', false, ['catchment'], 1)],
      [2, check('prepend-catchment', false, ['catchment'], 2)],
      [3, check('prepend-catchment', false, ['catchment'], 3)],
    ]);
    expect(boardView(b, EX, 4).attendees[0].stuck).toEqual({ exercise: 'prepend-catchment', criterion: 'catchment', count: 3 });
    const moved = applyEvent(b, start('drain-maintenance'), 5);
    expect(boardView(moved, EX, 6).attendees[0].stuck).toBeNull();
  });

  it.each([
    ['started, nothing since', [[0, start('prepend-catchment')]], IDLE_AFTER_MS, IDLE_AFTER_MS],
    ['started, 1 ms short', [[0, start('prepend-catchment')]], IDLE_AFTER_MS - 1, null],
    [
      'failing checks that fix nothing are not progress',
      [
        [0, start('prepend-catchment')],
        [60_000, check('prepend-catchment', false, ['a', 'b'], 1)],
        [120_000, check('prepend-catchment', false, ['a', 'b'], 2)],
      ],
      IDLE_AFTER_MS,
      IDLE_AFTER_MS,
    ],
    [
      'a check with fewer failures is progress',
      [
        [0, start('prepend-catchment')],
        [60_000, check('prepend-catchment', false, ['a', 'b'], 1)],
        [120_000, check('prepend-catchment', false, ['a'], 2)],
      ],
      IDLE_AFTER_MS,
      null,
    ],
    [
      'passed: never idle',
      [
        [0, start('prepend-catchment')],
        [1, check('prepend-catchment', true, [], 1)],
      ],
      3 * IDLE_AFTER_MS,
      null,
    ],
    ['no exercise started: not flagged', [[0, { ...who(), type: 'join' }]], 3 * IDLE_AFTER_MS, null],
    [
      'left the room: not flagged',
      [
        [0, start('prepend-catchment')],
        [1, { ...who(), type: 'leave' }],
      ],
      3 * IDLE_AFTER_MS,
      null,
    ],
  ] as [string, [number, ClassroomEvent][], number, number | null][])('idle flag: %s', (_, events, now, idleMs) => {
    expect(boardView(run(events), EX, now).attendees[0].idleMs).toBe(idleMs);
  });

  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 3],
  ])('median(%j) = %s', (xs, want) => expect(median(xs)).toBe(want));

  it('takes the median time over passes made without solve, and counts who started and passed', () => {
    const events: [number, ClassroomEvent][] = [];
    [60_000, 120_000, 600_000].forEach((ms, i) => {
      events.push([0, start('prepend-catchment', `attendee-${i}`)], [ms, check('prepend-catchment', true, [], 1, ms, `attendee-${i}`)]);
    });
    events.push(
      [0, start('prepend-catchment', 'attendee-s')],
      [1, { ...who('attendee-s'), type: 'solve', exercise: 'prepend-catchment' }],
      [2, check('prepend-catchment', true, [], 1, 2, 'attendee-s')],
    );
    events.push([0, start('prepend-catchment', 'attendee-f')], [1, check('prepend-catchment', false, ['x'], 1, 1, 'attendee-f')]);
    const col = boardView(run(events), EX, 1_000_000).exercises[0];
    expect(col).toEqual({ id: 'prepend-catchment', started: 5, passed: 4, medianMs: 120_000 });
  });

  it('keeps the newest name, up/down, and sorts attendees by name', () => {
    const b = run([
      [0, { ...who('attendee-2', 'Zed'), type: 'up', lab: 'default' }],
      [1, { ...who('attendee-1', 'bob'), type: 'join' }],
      [2, { ...who('attendee-1', 'Bob'), type: 'down' }],
    ]);
    expect(boardView(b, EX, 3).attendees.map((a) => [a.name, a.lab])).toEqual([
      ['Bob', 'down'],
      ['Zed', 'up'],
    ]);
  });

  it(`refuses a new attendee beyond ${MAX_ATTENDEES}, not an existing one`, () => {
    let b = emptyBoard();
    for (let i = 0; i < MAX_ATTENDEES; i++) b = applyEvent(b, { ...who(`attendee-${i}`), type: 'join' }, i);
    expect(() => applyEvent(b, { ...who('attendee-new'), type: 'join' }, 0)).toThrow(/already has 200 attendees/);
    expect(() => applyEvent(b, { ...who('attendee-0'), type: 'join' }, 0)).not.toThrow();
  });

  it('does not change the board it was given', () => {
    const b = run([[0, start('prepend-catchment')]]);
    const copy = structuredClone(b);
    applyEvent(b, check('prepend-catchment', false, ['x'], 1), 1);
    expect(b).toEqual(copy);
  });
});

describe('wire schema', () => {
  const ok = check('prepend-catchment', false, ['catchment'], 1, 1000);
  it.each([
    ['a check', ok, null],
    ['an unknown field, named', { ...ok, cmd: 'rm -rf /' }, 'unknown field "cmd"'],
    ['an unknown nested field, located', { ...ok, failed: [{ name: 'a', reason: 'b', x: 1 }] }, 'failed[0]: unknown field "x"'],
    ['an unknown type', { ...who(), type: 'exec' }, 'type:'],
    ['an unknown exercise', { ...ok, exercise: 'nope' }, 'exercise:'],
    ['a name with a terminal escape', { ...ok, name: 'a\u001b[31m' }, 'name: must not contain control characters'],
    ['an empty name', { ...ok, name: '' }, 'name:'],
    ['a 41-character name', { ...ok, name: 'x'.repeat(41) }, 'name:'],
    ['a short id', { ...ok, id: 'abc' }, 'id: must be 8 to 64'],
    ['another version', { ...ok, v: 2 }, 'v:'],
    ['too many failed criteria', { ...ok, failed: Array.from({ length: 9 }, () => ({ name: 'a', reason: 'b' })) }, 'failed:'],
    ['a negative attempt', { ...ok, attempt: 0 }, 'attempt:'],
    ['not an object', 'hello', '(body)'],
  ])('%s', (_, body, error) => {
    const r = parseClassroomEvent(body);
    if (error === null) expect(r).toEqual({ ok: true, event: ok });
    else expect(r.ok ? '' : r.error).toContain(error);
  });

  it('makes codes like K7Q-M3X from an alphabet without look-alikes, matched ignoring case and dashes', () => {
    const code = newJoinCode();
    expect(code).toMatch(/^[2-9A-Z]{3}-[2-9A-Z]{3}$/);
    expect(code).not.toMatch(/[018OIL5SB]/);
    expect(codeMatches(code, code.toLowerCase().replace('-', ''))).toBe(true);
    expect(codeMatches(code, ` ${code} `)).toBe(true);
    expect(codeMatches(code, 'AAA-AAA')).toBe(code === 'AAA-AAA');
    expect(codeMatches(code, undefined)).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows the burst, then refuses with a Retry-After, and refills with time; keys are separate', () => {
    const r = rateLimiter({ burst: 3, perSecond: 1 });
    expect([0, 0, 0].map((t) => r.take('a', t).ok)).toEqual([true, true, true]);
    expect(r.take('a', 0)).toEqual({ ok: false, retryAfterS: 1 });
    expect(r.take('b', 0).ok).toBe(true);
    expect(r.take('a', 999).ok).toBe(false);
    expect(r.take('a', 2000).ok).toBe(true);
  });
  it.each([
    [{ burst: 1, perSecond: 0.1 }, 10],
    [{ burst: 1, perSecond: 100 }, 1],
  ])('%j: Retry-After %i s', (b, s) => {
    const r = rateLimiter(b);
    r.take('k', 0);
    expect(r.take('k', 0)).toEqual({ ok: false, retryAfterS: s });
  });
});

describe('attendee reporter', () => {
  const m: Membership = { v: 1, url: 'http://127.0.0.1:1/', code: 'ABCDEF', name: 'Ada', id: 'attendee-1', exercises: {} };
  it('counts checks per exercise and times them from the start this checkout made', () => {
    const s = toEvent(m, { type: 'start', exercise: 'prepend-catchment' }, 1000);
    const result = {
      id: 'prepend-catchment',
      title: 't',
      passed: false,
      criteria: [
        { name: 'catchment', passed: false, reason: 'c-us is answered by iad,\nwant gru' },
        { name: 'sessions', passed: true, reason: 'ok' },
      ],
    };
    const c1 = toEvent(s.membership, { type: 'check', exercise: 'prepend-catchment', result }, 61_000);
    expect(c1.event).toEqual({
      ...who(),
      type: 'check',
      exercise: 'prepend-catchment',
      passed: false,
      criteria: 2,
      failed: [{ name: 'catchment', reason: 'c-us is answered by iad, want gru' }],
      attempt: 1,
      elapsedMs: 60_000,
    });
    expect(parseClassroomEvent(c1.event).ok).toBe(true);
    const c2 = toEvent(c1.membership, { type: 'check', exercise: 'prepend-catchment', result }, 62_000);
    expect(c2.event).toMatchObject({ attempt: 2, elapsedMs: 61_000 });
    const other = toEvent(c2.membership, { type: 'check', exercise: 'tcp-stream', result }, 63_000);
    expect(other.event).toMatchObject({ attempt: 1, elapsedMs: null });
  });

  it('trims what a check says to what the schema takes', () => {
    const long = {
      id: 'x',
      title: 't',
      passed: false,
      criteria: Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, passed: false, reason: 'r'.repeat(5000) })),
    };
    const { event } = toEvent(m, { type: 'check', exercise: 'prepend-catchment', result: long }, 0);
    expect(parseClassroomEvent(event).ok).toBe(true);
    expect(JSON.stringify(event).length).toBeLessThan(MAX_BODY_BYTES);
  });

  it.each([
    ['10.0.0.5:8090', 'http://10.0.0.5:8090/'],
    ['http://10.0.0.5:8090', 'http://10.0.0.5:8090/'],
    ['http://10.0.0.5:8090/some/page', 'http://10.0.0.5:8090/'],
  ])('board URL %s → %s', (raw, want) => expect(boardUrl(raw)).toBe(want));
  it('refuses a board URL that is not http', () => expect(() => boardUrl('file:///etc/passwd')).toThrow(/must be http/));

  it('reports nothing, and does not fail, when this checkout has not joined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'classroom-'));
    await expect(classroomReporter(join(dir, 'none.json')).report({ type: 'up', lab: 'default' })).resolves.toBeUndefined();
  });

  it('gives up on a board that accepts the connection and never answers, without an error', async () => {
    const sockets: Socket[] = [];
    const hang: Server = createServer(() => {});
    hang.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'classroom-'));
    const file = join(dir, 'm.json');
    writeFileSync(file, JSON.stringify({ ...m, url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/` }));
    // Resolves (the POST is aborted after REPORT_TIMEOUT_MS): were it awaited to the end, vitest's 5 s would fail this.
    await expect(classroomReporter(file).report({ type: 'start', exercise: 'prepend-catchment' })).resolves.toBeUndefined();
    expect(readMembership(file)?.exercises['prepend-catchment']).toBeDefined();
    for (const s of sockets) s.destroy();
    hang.close();
  });

  it('join refuses an unreachable board with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'classroom-'));
    await expect(joinBoard(join(dir, 'm.json'), 'http://127.0.0.1:1/', 'Ada', 'ABC-DEF')).rejects.toThrow(
      /cannot reach the classroom board.*classroom serve --lan/,
    );
    expect(readMembership(join(dir, 'm.json'))).toBeNull();
  });
});

describe('board server (in-process)', () => {
  const CODE = 'ABC-DEF';
  const room = (file?: string) => {
    let t = 0;
    const r = classroom({ code: CODE, board: emptyBoard(), file, now: () => t });
    return { ...r, at: (ms: number) => (t = ms) };
  };
  const post = (app: ReturnType<typeof room>['app'], body: unknown, code = CODE) =>
    app.request('/api/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${code}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it.each([
    ['a good event: 200', { ...who(), type: 'join' }, CODE, 200, undefined],
    ['a wrong code: 401', { ...who(), type: 'join' }, 'XXX-XXX', 401, 'wrong join code'],
    ['no JSON: 400', '{"v":1,', CODE, 400, 'body is not JSON'],
    ['an unknown field: 400', { ...who(), type: 'join', admin: true }, CODE, 400, 'unknown field "admin"'],
    ['a body over 4 KiB: 413', { ...who(), type: 'join', pad: 'x'.repeat(5000) }, CODE, 413, 'larger than 4096'],
  ])('%s', async (_, body, code, status, error) => {
    const r = room();
    const res = await post(r.app, body, code);
    expect(res.status).toBe(status);
    if (error) expect(((await res.json()) as { error: string }).error).toContain(error);
    expect(Object.keys(r.board().attendees)).toHaveLength(status === 200 ? 1 : 0);
  });

  it('answers a flood from one attendee with 429 and Retry-After, and takes them again later', async () => {
    const r = room();
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) codes.push((await post(r.app, { ...who(), type: 'join' })).status);
    expect(codes.filter((c) => c === 200)).toHaveLength(10);
    const res = await post(r.app, { ...who(), type: 'join' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await post(r.app, { ...who('attendee-2'), type: 'join' })).status).toBe(200);
    r.at(5000);
    expect((await post(r.app, { ...who(), type: 'join' })).status).toBe(200);
  });

  it('keeps the board and its code in its file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'classroom-')), 'board.json');
    const r = room(file);
    await post(r.app, start('prepend-catchment'));
    r.close();
    const stored = loadBoardFile(file);
    expect(stored?.code).toBe(CODE);
    expect(stored?.board.attendees['attendee-1'].current).toBe('prepend-catchment');
    expect(readFileSync(file, 'utf8')).toContain('"v":1');
  });

  it('offers the LAN addresses for joining, not loopback, IPv6 or container bridges', () => {
    const a = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) =>
      ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;
    expect(
      lanAddresses({
        lo: [a('127.0.0.1', 'IPv4', true)],
        wlp2s0: [a('192.168.1.20'), a('fe80::1', 'IPv6')],
        docker0: [a('172.17.0.1')],
        'br-4abb6b4dbaf0': [a('10.77.0.1')],
        veth0002d5c: [],
        eth1: [a('10.0.0.5')],
      }),
    ).toEqual(['192.168.1.20', '10.0.0.5']);
  });

  it('refuses a board file that is not one, naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'classroom-')), 'board.json');
    writeFileSync(file, '{"v":1}');
    expect(() => loadBoardFile(file)).toThrow(new RegExp(`${file} is not a classroom board`));
  });
});
