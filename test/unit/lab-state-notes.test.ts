// `up` reconfigures routers in place in parallel, each noting what it now
// runs in applied.json: 7 notes at once once failed with "ENOENT … rename
// applied.json.tmp-<pid>" and would otherwise have lost notes.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noteApplied, readApplied } from '../../src/lab/lab-state.js';

describe('noteApplied', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps every note when many are taken at once, and leaves no temporary file', async () => {
    root = mkdtempSync(join(tmpdir(), 'notes-'));
    mkdirSync(join(root, 'lab'));
    const routers = Array.from({ length: 12 }, (_, i) => `r${i}`);
    await Promise.all(routers.map((r) => noteApplied(root, 'lab', r, `hostname ${r}\n`)));
    expect(Object.keys(await readApplied(root, 'lab')).sort()).toEqual([...routers].sort());
    expect(readdirSync(join(root, 'lab'))).toEqual(['applied.json']);
  });

  it('fails the note that could not be written, and still takes the next one', async () => {
    root = mkdtempSync(join(tmpdir(), 'notes-'));
    mkdirSync(join(root, 'lab'));
    await expect(noteApplied(join(root, 'missing'), 'lab', 'r1', 'x')).rejects.toThrow(/ENOENT/);
    await noteApplied(root, 'lab', 'r2', 'y');
    expect(Object.keys(await readApplied(root, 'lab'))).toEqual(['r2']);
  });
});
