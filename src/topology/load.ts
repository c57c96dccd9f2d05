// Lab file → resolved Lab. Every problem is reported with file, line, column
// and field, all at once, before anything touches Docker.
import { readFileSync } from 'node:fs';
import { relative, resolve as resolvePath } from 'node:path';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { LabFileError, type LabFileIssue } from '../errors.js';
import { type FieldPath, formatPath } from './field-path.js';
import { resolveHosts } from './hosts.js';
import type { Lab } from './model.js';
import { type PathIssue, type ResolveOptions, resolveLab } from './resolve.js';
import { LabFileSchema } from './schema.js';

export type Path = FieldPath;
export { formatPath };

export function loadLabFile(file: string, opts: ResolveOptions = {}): Lab {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new LabFileError([{ file: displayPath(abs), line: 0, column: 0, field: '', message: `cannot read lab file: ${(err as Error).message}` }]);
  }
  return parseLab(text, abs, opts);
}

/** Pure: text in, Lab out (or a LabFileError listing every issue). */
export function parseLab(text: string, file: string, opts: ResolveOptions = {}): Lab {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new LabFileError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        // The tree is complete around a duplicate key, so it can be named; a syntax error has no field.
        const field = e.code === 'DUPLICATE_KEY' ? formatPath(pathAt(doc.contents, e.pos[0])) : '';
        return { file: shown, line: pos.line, column: pos.col, field, message: `YAML syntax error: ${firstLine(e.message)}` };
      }),
    );
  }
  const raw = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LabFileError([{ file: shown, line: 1, column: 1, field: '', message: 'expected a mapping with name, ases, routers, links, clients' }]);
  }
  // reportInput: without it every invalid_type issue looks like a missing field.
  const parsed = LabFileSchema.safeParse(raw, { reportInput: true });
  const locate = (issue: PathIssue): LabFileIssue => ({
    file: shown,
    ...position(doc, lineCounter, issue.path, issue.key),
    field: formatPath(issue.path, issue.key),
    message: issue.message,
  });
  if (!parsed.success) throw new LabFileError(parsed.error.issues.flatMap(zodToPathIssues).map(locate));
  const result = resolveLab(parsed.data, file, opts);
  const hostIssues: PathIssue[] = [];
  const hosts = resolveHosts(parsed.data, (path, message) => hostIssues.push({ path, message }));
  if (!result.ok || hostIssues.length) throw new LabFileError([...(result.ok ? [] : result.issues), ...hostIssues].map(locate));
  return hosts ? { ...result.lab, hosts } : result.lab;
}

function zodToPathIssues(issue: z.core.$ZodIssue): PathIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path, key, message: `unknown field "${key}" (${suggest(knownKeys(path), key)})` }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: `required field is missing (expected ${issue.expected})` }];
  }
  if (issue.code === 'invalid_union' && issue.errors.length) {
    // Report the message the union itself carries (written for humans), not every branch's.
    return [{ path, message: issue.message }];
  }
  return [{ path, message: issue.message }];
}

/** "did you mean" for a near miss (case, one typo, a swapped pair), else the list of fields. */
function suggest(known: string[], key: string): string {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(k, name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  if (best && best.d <= Math.max(1, Math.floor(key.length / 3))) return `did you mean "${best.name}"?`;
  return known.length ? `expected one of: ${known.join(', ')}` : 'no fields are allowed here';
}

/** Optimal string alignment distance: a swapped pair of letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  options?: unknown[];
}
const defOf = (s: unknown): SchemaDef | undefined => (s as { _zod?: { def?: SchemaDef } })?._zod?.def;

/** The fields the schema allows in the object at `path` (walking through optional, default and union). */
function knownKeys(path: Path): string[] {
  const objectAt = (schema: unknown): SchemaDef | undefined => {
    const def = defOf(schema);
    if (!def) return undefined;
    if (def.type === 'object') return def;
    if (def.innerType) return objectAt(def.innerType);
    if (def.options) return def.options.map(objectAt).find(Boolean);
    return undefined;
  };
  let schema: unknown = LabFileSchema;
  for (const seg of path) {
    let def = defOf(schema);
    while (def?.innerType) def = defOf(def.innerType);
    if (typeof seg === 'number') schema = def?.type === 'array' ? def.element : undefined;
    else schema = objectAt(schema)?.shape?.[seg];
    if (!schema) return [];
  }
  return Object.keys(objectAt(schema)?.shape ?? {});
}

/** The path of the deepest mapping key or sequence item whose source range holds `offset`. */
function pathAt(node: unknown, offset: number): Path {
  const within = (n: unknown): boolean => {
    const r = (n as Node | null)?.range;
    return !!r && r[0] <= offset && offset <= r[2];
  };
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (within(pair.key)) return [key];
      if (within(pair.value)) return [key, ...pathAt(pair.value, offset)];
    }
  } else if (isSeq(node)) {
    const i = node.items.findIndex(within);
    if (i >= 0) return [i, ...pathAt(node.items[i], offset)];
  }
  return [];
}

function position(doc: Document, lc: LineCounter, path: Path, key?: string): { line: number; column: number } {
  // Walk as deep as the document goes; a missing field points at its parent.
  let node: unknown = doc.contents;
  let best: Node | undefined = doc.contents ?? undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      node = pair.value;
      best = (pair.value as Node) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      best = node as Node;
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair) best = pair.key as Node;
  }
  const offset = best?.range?.[0] ?? 0;
  const pos = lc.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

const firstLine = (s: string): string => s.split('\n')[0];
