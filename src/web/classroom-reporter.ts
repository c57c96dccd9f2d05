// The attendee's side of the classroom board: `classroom join` stores where
// the board is (URL, code, name, a random id) in one small file; from then on
// up/down and the exercise commands POST one event each, and `leave` removes
// the file. One way only: the attendee's lab sends JSON and reads back a
// status code; nothing the board answers is run, written or shown as data.
//
// Best effort, by design: a board that is down, slow or unreachable must
// never fail an attendee's command nor slow it by more than ~300 ms (the
// POST is aborted after REPORT_TIMEOUT_MS, and every error is swallowed).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { LabError } from '../errors.js';
import type { CheckResult } from '../exercise/exercise.js';
import { type ClassroomEvent, MAX_FAILED, MAX_REASON, normalizeCode } from './classroom-schema.js';

/** The whole budget of one report is ~300 ms; the POST gets most of it. */
export const REPORT_TIMEOUT_MS = 250;
/** `join` is typed once, by a person waiting for it: a slow Wi-Fi gets longer. */
const JOIN_TIMEOUT_MS = 5_000;

const membershipSchema = z.object({
  v: z.literal(1),
  url: z.string(),
  code: z.string(),
  name: z.string(),
  id: z.string(),
  /** Exercise → when this checkout started it (attendee's clock: only differences are sent) and checks since. */
  exercises: z.record(z.string(), z.object({ startedAt: z.number().nullable(), attempts: z.number() })),
});
export type Membership = z.infer<typeof membershipSchema>;

/** What a command reports; the reporter adds who, attempts and timing. */
export type Report =
  | { type: 'up'; lab: string }
  | { type: 'down'; lab?: string }
  | { type: 'start'; exercise: string }
  | { type: 'check'; exercise: string; result: CheckResult }
  | { type: 'hint'; exercise: string; n: number | null }
  | { type: 'solve'; exercise: string };

export interface ClassroomReporter {
  report(r: Report): Promise<void>;
}

export function readMembership(file: string): Membership | null {
  try {
    return membershipSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    // Missing (not joined) or unreadable: either way this lab does not report.
    return null;
  }
}

function writeMembership(file: string, m: Membership): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
// The schema refuses control characters: a reason with a newline (vtysh output) is flattened, not dropped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is what is being replaced
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();

/** Pure: a report → the event on the wire, and the membership's per-exercise record after it. */
export function toEvent(m: Membership, r: Report, now: number): { event: ClassroomEvent; membership: Membership } {
  const who = { v: 1 as const, id: m.id, name: m.name };
  const exercises = { ...m.exercises };
  switch (r.type) {
    case 'start':
      exercises[r.exercise] = { startedAt: now, attempts: 0 };
      return { event: { ...who, type: 'start', exercise: r.exercise }, membership: { ...m, exercises } };
    case 'check': {
      const before = exercises[r.exercise] ?? { startedAt: null, attempts: 0 };
      const mine = { ...before, attempts: before.attempts + 1 };
      exercises[r.exercise] = mine;
      const failed = r.result.criteria
        .filter((c) => !c.passed)
        .slice(0, MAX_FAILED)
        .map((c) => ({ name: cut(printable(c.name) || '?', MAX_REASON), reason: cut(printable(c.reason), MAX_REASON) }));
      return {
        event: {
          ...who,
          type: 'check',
          exercise: r.exercise,
          passed: r.result.passed,
          criteria: Math.min(100, r.result.criteria.length),
          failed,
          attempt: mine.attempts,
          elapsedMs: mine.startedAt === null ? null : Math.max(0, Math.round(now - mine.startedAt)),
        },
        membership: { ...m, exercises },
      };
    }
    case 'up':
      return { event: { ...who, type: 'up', lab: r.lab }, membership: m };
    case 'down':
      return { event: { ...who, type: 'down', ...(r.lab ? { lab: r.lab } : {}) }, membership: m };
    case 'hint':
      return { event: { ...who, type: 'hint', exercise: r.exercise, n: r.n }, membership: m };
    case 'solve':
      return { event: { ...who, type: 'solve', exercise: r.exercise }, membership: m };
  }
}

export interface PostResult {
  status: number;
  error?: string;
}

/** One POST; rejects on a network error or the timeout. The answer is read as a status and an error line, nothing else. */
async function post(url: string, code: string, ev: ClassroomEvent, timeoutMs: number): Promise<PostResult> {
  const res = await fetch(new URL('api/events', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${code}` },
    body: JSON.stringify(ev),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text().catch(() => '');
  let error: string | undefined;
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof e === 'string') error = e.slice(0, 300);
  } catch {}
  return { status: res.status, error };
}

/** The reporter the CLI hands every command: silent and harmless when this checkout has not joined a board. */
export function classroomReporter(file: string, now: () => number = Date.now): ClassroomReporter {
  return {
    async report(r) {
      const m = readMembership(file);
      if (!m) return;
      try {
        const { event, membership } = toEvent(m, r, now());
        if (membership !== m) writeMembership(file, membership);
        await post(m.url, m.code, event, REPORT_TIMEOUT_MS);
      } catch {
        // Best effort: the board being down is the trainer's problem, never the attendee's command's.
      }
    },
  };
}

/** `http://host:port` or `host:port` → `http://host:port/`; anything else is a usage error. */
export function boardUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new LabError('USAGE', `"${raw}" is not a board URL: use the one the trainer's \`classroom serve\` prints, like http://192.168.1.20:8090/`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LabError('USAGE', `board URL must be http(s)://…, got "${raw}"`);
  return `${u.origin}/`;
}

/** Registers with the board (which checks the code) and stores the membership; a rejoin keeps this lab's id and exercise record. */
export async function joinBoard(file: string, url: string, name: string, code: string): Promise<Membership> {
  const before = readMembership(file);
  const m: Membership = {
    v: 1,
    url: boardUrl(url),
    code: normalizeCode(code),
    name,
    id: before?.id ?? randomUUID(),
    exercises: before?.exercises ?? {},
  };
  let r: PostResult;
  try {
    r = await post(m.url, m.code, { v: 1, id: m.id, name: m.name, type: 'join' }, JOIN_TIMEOUT_MS);
  } catch (e) {
    const why =
      (e as Error).name === 'TimeoutError' ? `no answer within ${JOIN_TIMEOUT_MS / 1000} s` : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
    throw new LabError(
      'NOT_FOUND',
      `cannot reach the classroom board at ${m.url} (${why}): is the trainer's \`classroom serve --lan\` running, and are you on the room's network?`,
      { cause: e },
    );
  }
  if (r.status === 401) throw new LabError('USAGE', `the board at ${m.url} refused code "${code}": check the join code on the trainer's screen`);
  if (r.status !== 200) throw new LabError('USAGE', `the board at ${m.url} refused to join (HTTP ${r.status}): ${r.error ?? 'no reason given'}`);
  writeMembership(file, m);
  return m;
}

/** Stops reporting: tells the board (best effort) and removes the membership. Null when this lab had not joined. */
export async function leaveBoard(file: string): Promise<Membership | null> {
  const m = readMembership(file);
  if (!m) return null;
  await post(m.url, m.code, { v: 1, id: m.id, name: m.name, type: 'leave' }, REPORT_TIMEOUT_MS).catch(() => undefined);
  rmSync(file, { force: true });
  return m;
}
