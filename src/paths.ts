// The repository root, for everything that reads or writes files next to the
// code (agent bundles, lab files, FRR configs, bench results). A leaf: it
// imports nothing of ours, so any layer may use it without a cycle.
//
// Found by walking up to package.json rather than as a fixed `..`: this module
// runs from src/paths.ts (tsx, tests) and from a chunk of the CLI bundle under
// dist/cli/<build>/ (bin/bundle.mjs), three levels deeper.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findRoot(from: string, exists: (path: string) => boolean = existsSync): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (exists(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = findRoot(here) ?? join(here, '..');
