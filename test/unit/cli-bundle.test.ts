// The CLI runs from a bundle (bin/bundle.mjs): rebuilt exactly when one of its
// sources changed, run only when started as the CLI, and finding the
// repository from wherever the bundle sits.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BundleManifest, staleReason } from '../../bin/bundle.mjs';
import { startedAs } from '../../src/cli/program.js';
import { findRoot } from '../../src/paths.js';

const BUILT_AT = 1_000_000;
const manifest: BundleManifest = {
  version: 1,
  build: 'b1',
  builtAt: BUILT_AT,
  inputs: ['src/cli/main.ts', 'src/lab/up.ts', 'bin/bundle.mjs', 'node_modules/.package-lock.json'],
};
const bundleFiles = { 'dist/cli/b1/main.mjs': BUILT_AT + 500, 'dist/cli/b1/bench.mjs': BUILT_AT + 500 };
/** Every input as old as the build, then the overrides (undefined: the file is gone). */
const files =
  (overrides: Record<string, number | undefined> = {}) =>
  (path: string): number | undefined => {
    const all: Record<string, number | undefined> = { ...bundleFiles, ...Object.fromEntries(manifest.inputs.map((p) => [p, BUILT_AT - 10])), ...overrides };
    return all[path];
  };

describe('staleReason', () => {
  it.each<[string, BundleManifest | undefined, Record<string, number | undefined>, string | undefined]>([
    ['current: every input older than the build', manifest, {}, undefined],
    ['an input saved in the same millisecond the build started is taken as read', manifest, { 'src/lab/up.ts': BUILT_AT }, undefined],
    ['no manifest: never built', undefined, {}, 'no bundle yet'],
    ['a source edited after the build started', manifest, { 'src/lab/up.ts': BUILT_AT + 1 }, 'src/lab/up.ts changed'],
    ['the build options changed', manifest, { 'bin/bundle.mjs': BUILT_AT + 5000 }, 'bin/bundle.mjs changed'],
    ['npm installed other dependency versions', manifest, { 'node_modules/.package-lock.json': BUILT_AT + 5000 }, 'node_modules/.package-lock.json changed'],
    ['a source was deleted (or renamed)', manifest, { 'src/lab/up.ts': undefined }, 'src/lab/up.ts is gone'],
    ['the bundle itself was removed', manifest, { 'dist/cli/b1/bench.mjs': undefined }, 'dist/cli/b1/bench.mjs is missing'],
    ['an older bundle format', { ...manifest, version: 0 }, {}, 'bundle format 0 is not 1'],
  ])('%s', (_what, m, overrides, reason) => {
    expect(staleReason(m, files(overrides))).toBe(reason);
  });

  it('ignores files the bundle does not contain (tests, agents, a new file nothing imports yet)', () => {
    const mtimeOf = files({ 'test/unit/x.test.ts': BUILT_AT + 1, 'src/new-module.ts': BUILT_AT + 1 });
    expect(staleReason(manifest, mtimeOf)).toBeUndefined();
  });
});

describe('startedAs', () => {
  it.each<[string, string | undefined, unknown, boolean]>([
    ['tsx on the source file', '/repo/src/cli/main.ts', undefined, true],
    ['tsx on Windows', 'C:\\repo\\src\\cli\\main.ts', undefined, true],
    ['the launcher importing the bundle', '/repo/bin/anycast-lab.mjs', 'src/cli/main.ts', true],
    ['npx through a bin link', '/repo/node_modules/.bin/anycast-lab', 'src/cli/main.ts', true],
    ['the launcher running the other entry', '/repo/bin/anycast-lab-bench.mjs', 'src/cli/bench.ts', false],
    ['a test importing the module', '/repo/node_modules/vitest/vitest.mjs', undefined, false],
  ])('%s', (_what, argv1, launched, expected) => {
    expect(startedAs('main.ts', argv1, launched)).toBe(expected);
  });
});

describe('findRoot', () => {
  const exists = (p: string) => p === join('/repo', 'package.json');
  it.each([
    ['src/paths.ts (tsx, tests)', '/repo/src'],
    ['a chunk of the CLI bundle', '/repo/dist/cli/mxb9x8c0-9490'],
  ])('finds the repository from %s', (_what, from) => {
    expect(findRoot(from, exists)).toBe('/repo');
  });
  it('gives up at the filesystem root', () => {
    expect(findRoot('/elsewhere/deep', exists)).toBeUndefined();
  });
});
