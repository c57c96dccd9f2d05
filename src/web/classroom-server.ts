// `lab classroom serve`: the trainer's board (hono on node, like the
// dashboard). Attendees' labs POST events to /api/events; the trainer's page
// (served to this machine only) follows the board over SSE. Nothing is ever
// sent to an attendee beyond a status and a one-line error: no command, no
// file, no board. The board lives in a file of its own (with the join code),
// so a restarted server shows the same board and accepts the same code.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { LabError } from '../errors.js';
import { EXERCISES } from '../exercise/index.js';
import { REPO_ROOT } from '../paths.js';
import { applyEvent, type Board, BoardFullError, boardView, emptyBoard } from './classroom-board.js';
import { GLOBAL, PER_ATTENDEE, type RateLimiter, rateLimiter } from './classroom-rate.js';
import { codeMatches, MAX_BODY_BYTES, newJoinCode, parseClassroomEvent } from './classroom-schema.js';

// From the repository root, not import.meta.url: this module also runs from the CLI bundle under dist/.
const PAGE_DIR = join(REPO_ROOT, 'src', 'web', 'page');
const PAGE_FILES: Record<string, [string, string]> = {
  '/': ['classroom.html', 'text/html; charset=utf-8'],
  '/classroom.js': ['classroom.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};
/** Coalesces a burst of posts (30 attendees checking at once) into one page update. */
const PUBLISH_DELAY_MS = 200;
/** Flags age without events (idle 10 min): the page is refreshed this often even when nobody posts. */
const TICK_MS = 15_000;
/** Board writes are debounced: a flood of checks is one write, at most this late. */
const SAVE_DELAY_MS = 500;

// ---- the board file ---------------------------------------------------------

/** What the file holds. Checked on load: a hand-edited or truncated file is an error that names it, not a blank board. */
const storedSchema = z.object({ v: z.literal(1), code: z.string().min(1), board: z.object({ attendees: z.record(z.string(), z.any()) }) });
export type StoredBoard = { v: 1; code: string; board: Board };

export function loadBoardFile(file: string): StoredBoard | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new LabError('USAGE', `${file} is not a classroom board (not JSON: ${(e as Error).message}); move it away or pass another --board`);
  }
  const r = storedSchema.safeParse(parsed);
  if (!r.success) throw new LabError('USAGE', `${file} is not a classroom board (${r.error.issues[0].message}); move it away or pass another --board`);
  return r.data as StoredBoard;
}

/** Atomic: a crash mid-write leaves the previous board, never half of one (rename within one directory). */
export function saveBoardFile(file: string, stored: StoredBoard): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stored)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

// ---- the app ------------------------------------------------------------------

export interface ClassroomOptions {
  code: string;
  board: Board;
  /** Where the board is kept; none: in memory only (tests). */
  file?: string;
  now?: () => number;
  limits?: { perAttendee: RateLimiter; global: RateLimiter };
}

export interface Classroom {
  app: Hono;
  board(): Board;
  /** Writes a pending save now. */
  flush(): void;
  close(): void;
}

/** Only this machine reads the board: attendees may post to it, not read each other's progress. */
function fromThisHost(c: Parameters<typeof getConnInfo>[0]): boolean {
  // app.request() in a unit test has no socket: it is in-process, so local.
  const socket = (c.env as { incoming?: { socket?: { localAddress?: string } } } | undefined)?.incoming?.socket;
  if (!socket) return true;
  const addr = getConnInfo(c).remote.address ?? '';
  // Listening on one LAN address, the trainer's own browser comes from that address.
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr === socket.localAddress;
}

const refusal = (error: string) => ({ error });

export function classroom(o: ClassroomOptions): Classroom {
  const now = o.now ?? Date.now;
  const limits = o.limits ?? { perAttendee: rateLimiter(PER_ATTENDEE), global: rateLimiter(GLOBAL) };
  const exerciseIds = EXERCISES.map((e) => e.id);
  let board = o.board;
  const listeners = new Set<() => void>();
  let publishTimer: NodeJS.Timeout | null = null;
  let saveTimer: NodeJS.Timeout | null = null;

  const flush = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    if (o.file) saveBoardFile(o.file, { v: 1, code: o.code, board });
  };
  const changed = () => {
    if (o.file && !saveTimer) saveTimer = setTimeout(flush, SAVE_DELAY_MS);
    if (!publishTimer)
      publishTimer = setTimeout(() => {
        publishTimer = null;
        for (const l of listeners) l();
      }, PUBLISH_DELAY_MS);
  };

  const app = new Hono();
  app.onError((e, c) => c.json(refusal(`internal error: ${e.message}`), 500));

  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' && !fromThisHost(c))
      return c.json(refusal('the board is shown on the trainer’s machine only; attendees only post to /api/events'), 403);
    await next();
  });

  for (const [route, [file, type]] of Object.entries(PAGE_FILES)) {
    app.get(route, async (c) => c.body(await readFile(join(PAGE_DIR, file), 'utf8'), 200, { 'content-type': type, 'cache-control': 'no-cache' }));
  }

  app.get('/api/board', (c) => c.json(boardView(board, exerciseIds, now())));

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      let dirty = true;
      let wake: (() => void) | null = null;
      const listener = () => {
        dirty = true;
        wake?.();
      };
      const tick = setInterval(listener, TICK_MS);
      listeners.add(listener);
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          if (dirty) {
            dirty = false;
            await stream.writeSSE({ event: 'board', data: JSON.stringify(boardView(board, exerciseIds, now())) });
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
      } finally {
        clearInterval(tick);
        listeners.delete(listener);
      }
    }),
  );

  // The only way in. Cheapest refusals first: size (413), the room's rate
  // (429), the code (401), the schema (400), the attendee's rate (429).
  app.post(
    '/api/events',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json(refusal(`body larger than ${MAX_BODY_BYTES} bytes`), 413) }),
    async (c) => {
      const t = now();
      const room = limits.global.take('*', t);
      if (!room.ok) return c.json(refusal(`the board is busy: retry in ${room.retryAfterS} s`), 429, { 'retry-after': String(room.retryAfterS) });
      const auth = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (!codeMatches(o.code, auth)) return c.json(refusal('wrong join code: use the code the trainer’s board shows'), 401);
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return c.json(refusal('body is not JSON'), 400);
      }
      const parsed = parseClassroomEvent(body);
      if (!parsed.ok) return c.json(refusal(parsed.error), 400);
      const mine = limits.perAttendee.take(parsed.event.id, t);
      if (!mine.ok)
        return c.json(refusal(`too many posts from this attendee: retry in ${mine.retryAfterS} s`), 429, { 'retry-after': String(mine.retryAfterS) });
      try {
        board = applyEvent(board, parsed.event, t);
      } catch (e) {
        if (e instanceof BoardFullError) return c.json(refusal(e.message), 409);
        throw e;
      }
      changed();
      return c.json({ ok: true });
    },
  );

  return {
    app,
    board: () => board,
    flush,
    close: () => {
      if (publishTimer) clearTimeout(publishTimer);
      flush();
    },
  };
}

// ---- listening ------------------------------------------------------------------

export interface ServeOptions {
  port: number;
  /** 127.0.0.1 unless the trainer asks for the room's LAN (0.0.0.0, or one address). */
  host: string;
  file: string;
  /** Forget the stored code (the board stays). */
  newCode?: boolean;
}

export interface RunningClassroom {
  /** The trainer's page, on this machine. */
  boardUrl: string;
  /** What attendees pass to `classroom join`: loopback unless listening wider. */
  joinUrls: string[];
  code: string;
  attendees: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Container bridges are not the room: on a trainer's laptop running its own
 * lab, Docker adds a bridge per lab network (br-…, docker0) with addresses no
 * attendee can reach, and `--lan` would print a join command for each.
 */
const VIRTUAL_IFACE = /^(docker\d*|br-|veth|virbr|lxcbr|cni|podman)/;

/** The addresses a room reaches this machine on (pure over the interface table): IPv4, not loopback, not a container bridge. */
export function lanAddresses(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  return Object.entries(ifaces)
    .filter(([name]) => !VIRTUAL_IFACE.test(name))
    .flatMap(([, addrs]) => addrs ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
}

export async function startClassroom(o: ServeOptions): Promise<RunningClassroom> {
  const stored = loadBoardFile(o.file);
  const code = stored && !o.newCode ? stored.code : newJoinCode();
  const room = classroom({ code, board: stored?.board ?? emptyBoard(), file: o.file });
  room.flush();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: room.app.fetch, port: o.port, hostname: o.host }, () => resolve(s as Server)) as Server;
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL'
          ? new LabError('USAGE', `cannot listen on ${o.host}:${o.port} (${e.code}); pick another --port or --listen address`, { cause: e })
          : e,
      ),
    );
  });
  const { port } = server.address() as AddressInfo;
  const hostUrl = (h: string) => `http://${h.includes(':') ? `[${h}]` : h}:${port}/`;
  const wide = o.host === '0.0.0.0' || o.host === '::';
  const joinUrls = wide ? lanAddresses().map(hostUrl) : [hostUrl(o.host)];
  return {
    boardUrl: hostUrl(LOOPBACK.has(o.host) || wide ? '127.0.0.1' : o.host),
    joinUrls: joinUrls.length ? joinUrls : [hostUrl('127.0.0.1')],
    code,
    attendees: Object.keys(room.board().attendees).length,
    close: async () => {
      room.close();
      await new Promise<void>((resolve) => {
        // Open SSE streams would hold close() forever.
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
