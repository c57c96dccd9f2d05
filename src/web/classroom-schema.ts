// What an attendee's lab may tell the trainer's board, and nothing else: one
// strict JSON schema (an unknown field is refused, not ignored), small bounds
// on every string and list, exercise ids from the registry. The wire goes one
// way: attendees POST these; the board answers with a status and a short
// error, never with anything an attendee's machine would act on.
import { randomInt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EXERCISES } from '../exercise/index.js';

/** Bytes of one POST body; an event is a few hundred (a failed check with its reasons at most ~2.5 KiB once trimmed). */
export const MAX_BODY_BYTES = 4096;
export const MAX_NAME = 40;
/** A check's failed criteria sent and kept: the board shows what failed, not an essay. */
export const MAX_FAILED = 8;
export const MAX_REASON = 200;

// Printable text only: a name or reason with a control character (a terminal
// escape, a newline to forge a log line) is refused rather than cleaned up.
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .refine((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s), 'must not contain control characters');

const exerciseId = z.enum(EXERCISES.map((e) => e.id) as [string, ...string[]]);

const base = {
  v: z.literal(1),
  /** Chosen by the attendee's lab at `join` (random), so two attendees may share a name. */
  id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be 8 to 64 letters, digits or dashes'),
  name: text(MAX_NAME),
};

const failed = z.strictObject({ name: text(MAX_REASON), reason: z.string().max(MAX_REASON) });

export const classroomEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('join') }),
  z.strictObject({ ...base, type: z.literal('up'), lab: text(64) }),
  z.strictObject({ ...base, type: z.literal('down'), lab: text(64).optional() }),
  z.strictObject({ ...base, type: z.literal('start'), exercise: exerciseId }),
  z.strictObject({
    ...base,
    type: z.literal('check'),
    exercise: exerciseId,
    passed: z.boolean(),
    criteria: z.number().int().min(0).max(100),
    failed: z.array(failed).max(MAX_FAILED),
    /** This attendee's checks of this exercise so far, this one included. */
    attempt: z.number().int().min(1).max(100_000),
    /** Since their `exercise start` (null: started before `join`, or on another checkout). */
    elapsedMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3_600_000)
      .nullable(),
  }),
  z.strictObject({ ...base, type: z.literal('hint'), exercise: exerciseId, n: z.number().int().min(1).max(100).nullable() }),
  z.strictObject({ ...base, type: z.literal('solve'), exercise: exerciseId }),
  z.strictObject({ ...base, type: z.literal('leave') }),
]);

export type ClassroomEvent = z.infer<typeof classroomEventSchema>;

export type ParsedEvent = { ok: true; event: ClassroomEvent } | { ok: false; error: string };

/** Pure: a body (already JSON-parsed) → an event, or the first problem with its field named (`failed[2].reason: …`). */
export function parseClassroomEvent(body: unknown): ParsedEvent {
  const r = classroomEventSchema.safeParse(body);
  if (r.success) return { ok: true, event: r.data };
  const issue = r.error.issues[0];
  const at = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
  const keys = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : '';
  return { ok: false, error: keys ? `${at ? `${at}: ` : ''}${keys}` : `${at || '(body)'}: ${issue.message}` };
}

// No 0/O, 1/I/L, 5/S, 8/B: read off a projector and typed by 30 people.
const CODE_ALPHABET = '234679ACDEFGHJKMNPQRTUVWXYZ';

/** A join code like `K7Q-M3X`: 27^6 ≈ 3.9e8 values, guessed only at the rate limit's pace. */
export function newJoinCode(pick: (n: number) => number = randomInt): string {
  const c = Array.from({ length: 6 }, () => CODE_ALPHABET[pick(CODE_ALPHABET.length)]).join('');
  return `${c.slice(0, 3)}-${c.slice(3)}`;
}

/** Case, spaces and dashes do not matter when typing a code. */
export const normalizeCode = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

/** Constant-time: the time a wrong code takes says nothing about how much of it was right. */
export function codeMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(normalizeCode(expected));
  const b = Buffer.from(normalizeCode(given));
  return a.length === b.length && timingSafeEqual(a, b);
}
