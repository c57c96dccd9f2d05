// The trainer's board as plain data: events in, board out (applyEvent), and
// the picture the page draws (boardView: flags and medians at a given time).
// Pure: no clock, no I/O; the server passes `now` and stores the board.
import type { ClassroomEvent } from './classroom-schema.js';

/** A criterion that failed this many checks in a row flags the attendee: stuck, go and see them. */
export const STUCK_AFTER = 3;
/** No progress for this long on an unfinished exercise flags the attendee too. */
export const IDLE_AFTER_MS = 10 * 60_000;
/** Attendees a board keeps: a room, with margin; a 201st is refused (it is a typo'd id loop or a flood). */
export const MAX_ATTENDEES = 200;

export interface Failed {
  name: string;
  reason: string;
}

/** One attendee × one exercise. Times are the server's ms (epoch), never the attendee's clock. */
export interface Cell {
  startedAt: number | null;
  attempts: number;
  /** From their `start` to their first passing check (as their lab measured it, else as the board saw it). */
  timeMs: number | null;
  passed: boolean;
  /** What the last failing check said; emptied by a pass. */
  failed: Failed[];
  /** Criterion name → failing checks in a row. */
  streak: Record<string, number>;
  /** Fewest failing criteria seen: a check that beats it is progress. */
  fewestFailing: number | null;
  hints: number;
  solved: boolean;
}

export interface Attendee {
  id: string;
  name: string;
  joinedAt: number;
  lastSeenAt: number;
  lastProgressAt: number;
  lab: { up: boolean; name: string | null } | null;
  current: string | null;
  left: boolean;
  cells: Record<string, Cell>;
}

export interface Board {
  attendees: Record<string, Attendee>;
}

export const emptyBoard = (): Board => ({ attendees: {} });

const newCell = (): Cell => ({
  startedAt: null,
  attempts: 0,
  timeMs: null,
  passed: false,
  failed: [],
  streak: {},
  fewestFailing: null,
  hints: 0,
  solved: false,
});

export class BoardFullError extends Error {}

/** Pure: the board after one event received at `now`. Throws BoardFullError for a new attendee beyond MAX_ATTENDEES. */
export function applyEvent(board: Board, ev: ClassroomEvent, now: number): Board {
  const before = board.attendees[ev.id];
  if (!before && Object.keys(board.attendees).length >= MAX_ATTENDEES) throw new BoardFullError(`the board already has ${MAX_ATTENDEES} attendees`);
  const a: Attendee = before
    ? structuredClone(before)
    : { id: ev.id, name: ev.name, joinedAt: now, lastSeenAt: now, lastProgressAt: now, lab: null, current: null, left: false, cells: {} };
  a.name = ev.name;
  a.lastSeenAt = now;
  a.left = ev.type === 'leave';
  const cell = (id: string): Cell => {
    a.cells[id] ??= newCell();
    return a.cells[id];
  };
  switch (ev.type) {
    case 'join':
    case 'leave':
      break;
    case 'up':
      a.lab = { up: true, name: ev.lab };
      break;
    case 'down':
      a.lab = { up: false, name: ev.lab ?? a.lab?.name ?? null };
      break;
    case 'start': {
      // A restart begins the exercise again: attempts and timing count from here; a pass already made stays.
      const c = cell(ev.exercise);
      Object.assign(c, { startedAt: now, attempts: 0, failed: [], streak: {}, fewestFailing: null });
      a.current = ev.exercise;
      a.lastProgressAt = now;
      // `exercise start` brings the lab up (its own `up`).
      a.lab = { up: true, name: a.lab?.name ?? null };
      break;
    }
    case 'check': {
      const c = cell(ev.exercise);
      a.current = ev.exercise;
      c.attempts = Math.max(c.attempts + 1, ev.attempt);
      if (ev.passed) {
        if (!c.passed) c.timeMs = ev.elapsedMs ?? (c.startedAt === null ? null : now - c.startedAt);
        Object.assign(c, { passed: true, failed: [], streak: {} });
        a.lastProgressAt = now;
        break;
      }
      c.failed = ev.failed.map(({ name, reason }) => ({ name, reason }));
      c.streak = Object.fromEntries(ev.failed.map((f) => [f.name, (c.streak[f.name] ?? 0) + 1]));
      if (c.fewestFailing === null || ev.failed.length < c.fewestFailing) {
        // The first check only sets the bar; after it, fewer failures is progress.
        if (c.fewestFailing !== null) a.lastProgressAt = now;
        c.fewestFailing = ev.failed.length;
      }
      break;
    }
    case 'hint':
      cell(ev.exercise).hints += 1;
      break;
    case 'solve':
      cell(ev.exercise).solved = true;
      break;
  }
  return { attendees: { ...board.attendees, [a.id]: a } };
}

export interface CellView {
  state: 'started' | 'failing' | 'passed' | 'seen';
  attempts: number;
  timeMs: number | null;
  failed: Failed[];
  hints: number;
  solved: boolean;
  /** The criterion failed STUCK_AFTER or more checks in a row, if any. */
  stuck: string | null;
}

export interface AttendeeView {
  id: string;
  name: string;
  lab: 'up' | 'down' | null;
  current: string | null;
  left: boolean;
  lastSeenMs: number;
  /** Flags: stuck on a criterion of their current exercise; no progress for IDLE_AFTER_MS on it. */
  stuck: { exercise: string; criterion: string; count: number } | null;
  idleMs: number | null;
  cells: Record<string, CellView>;
}

export interface ExerciseColumn {
  id: string;
  started: number;
  passed: number;
  /** Median start → first pass over those who passed without `solve`; null when none has. */
  medianMs: number | null;
}

export interface BoardView {
  at: number;
  exercises: ExerciseColumn[];
  attendees: AttendeeView[];
  flagged: { stuck: number; idle: number };
}

export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

function cellView(c: Cell): CellView {
  const worst = Object.entries(c.streak).sort((x, y) => y[1] - x[1])[0];
  return {
    state: c.passed ? 'passed' : c.attempts > 0 ? 'failing' : c.startedAt !== null ? 'started' : 'seen',
    attempts: c.attempts,
    timeMs: c.timeMs,
    failed: c.failed,
    hints: c.hints,
    solved: c.solved,
    stuck: !c.passed && worst && worst[1] >= STUCK_AFTER ? worst[0] : null,
  };
}

/** Pure: what the page shows at `now`, attendees by name, exercises in `exerciseIds` order. */
export function boardView(board: Board, exerciseIds: readonly string[], now: number): BoardView {
  const attendees = Object.values(board.attendees)
    .map((a): AttendeeView => {
      const cells = Object.fromEntries(Object.entries(a.cells).map(([id, c]) => [id, cellView(c)]));
      const cur = a.current === null ? undefined : a.cells[a.current];
      const curView = a.current === null ? undefined : cells[a.current];
      const open = !!cur && !cur.passed && !a.left;
      return {
        id: a.id,
        name: a.name,
        lab: a.lab === null ? null : a.lab.up ? 'up' : 'down',
        current: a.current,
        left: a.left,
        lastSeenMs: now - a.lastSeenAt,
        stuck: open && curView?.stuck && a.current ? { exercise: a.current, criterion: curView.stuck, count: cur.streak[curView.stuck] } : null,
        idleMs: open && now - a.lastProgressAt >= IDLE_AFTER_MS ? now - a.lastProgressAt : null,
        cells,
      };
    })
    .sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
  const exercises = exerciseIds.map((id): ExerciseColumn => {
    const cells = Object.values(board.attendees)
      .map((a) => a.cells[id])
      .filter((c): c is Cell => !!c);
    return {
      id,
      started: cells.filter((c) => c.startedAt !== null || c.attempts > 0).length,
      passed: cells.filter((c) => c.passed).length,
      // A `solve` is the trainer's answer, not the attendee's time.
      medianMs: median(cells.filter((c) => c.passed && !c.solved && c.timeMs !== null).map((c) => c.timeMs as number)),
    };
  });
  return {
    at: now,
    exercises,
    attendees,
    flagged: { stuck: attendees.filter((a) => a.stuck).length, idle: attendees.filter((a) => a.idleMs !== null).length },
  };
}
