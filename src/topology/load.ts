// Lab file → resolved Lab. Every problem is reported with file, line, column
// and field, all at once, before anything touches Docker.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath, relative } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { LabFileError, type LabFileIssue } from '../errors.js';
import type { Lab } from './model.js';
import { LabFileSchema } from './schema.js';
import { resolveLab, type PathIssue } from './resolve.js';

export type Path = (string | number)[];

export function loadLabFile(file: string): Lab {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new LabFileError([{ file: displayPath(abs), line: 0, column: 0, field: '', message: `cannot read lab file: ${(err as Error).message}` }]);
  }
  return parseLab(text, abs);
}

/** Pure: text in, Lab out (or a LabFileError listing every issue). */
export function parseLab(text: string, file: string): Lab {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new LabFileError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file: shown, line: pos.line, column: pos.col, field: '', message: `YAML syntax error: ${firstLine(e.message)}` };
      }),
    );
  }
  const raw = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LabFileError([{ file: shown, line: 1, column: 1, field: '', message: 'expected a mapping with name, ases, routers, links, clients' }]);
  }
  const parsed = LabFileSchema.safeParse(raw);
  const locate = (issue: PathIssue): LabFileIssue => ({ file: shown, ...position(doc, lineCounter, issue.path, issue.key), field: formatPath(issue.path, issue.key), message: issue.message });
  if (!parsed.success) throw new LabFileError(parsed.error.issues.flatMap(zodToPathIssues).map(locate));
  const result = resolveLab(parsed.data, file);
  if (!result.ok) throw new LabFileError(result.issues.map(locate));
  return result.lab;
}

function zodToPathIssues(issue: z.core.$ZodIssue): PathIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path, key, message: `unknown field "${key}"${suggest(issue, key)}` }));
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

function suggest(issue: z.core.$ZodIssue, key: string): string {
  void issue;
  const known: Record<string, string> = { bdf: 'bfd', asns: 'ases', router: 'routers', link: 'links', client: 'clients', localpref: 'localPref', 'local-pref': 'localPref', holddown: 'holdDown' };
  return known[key.toLowerCase()] ? ` (did you mean "${known[key.toLowerCase()]}"?)` : '';
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

export function formatPath(path: Path, key?: string): string {
  let out = '';
  for (const seg of key === undefined ? path : [...path, key]) {
    out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

const firstLine = (s: string): string => s.split('\n')[0];
