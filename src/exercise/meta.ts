// labs/exercises/<id>/exercise.yaml: the data half of an exercise.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { LabError } from '../errors.js';

const MetaSchema = z.strictObject({
  title: z.string().min(1),
  /** One line for `exercise list`. */
  summary: z.string().min(1),
  /** The lab file it starts from, relative to labs/. */
  lab: z.string().default('default.yaml'),
  hints: z.array(z.string().min(1)).min(1),
  /** What a trainer plans for it: an attendee's expected time, from start to a passing check. */
  minutes: z.number().int().min(1).max(120),
});

export type ExerciseMeta = z.infer<typeof MetaSchema>;

export function parseMeta(file: string, text: string): ExerciseMeta {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new LabError('LAB_FILE', `${file}: not YAML: ${(cause as Error).message}`, { cause });
  }
  const r = MetaSchema.safeParse(raw);
  if (!r.success) {
    throw new LabError('LAB_FILE', `${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

export function loadMeta(dir: string): ExerciseMeta {
  const file = join(dir, 'exercise.yaml');
  if (!existsSync(file)) throw new LabError('LAB_FILE', `${file} is missing: every exercise folder holds exercise.yaml and README.md`);
  return parseMeta(file, readFileSync(file, 'utf8'));
}
