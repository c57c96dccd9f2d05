// The repository root, for everything that reads or writes files next to the
// code (agent bundles, lab files, FRR configs, bench results). A leaf: it
// imports nothing of ours, so any layer may use it without a cycle.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
