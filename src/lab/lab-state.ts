// The last lab that converged, kept beside its FRR configs
// (<configRoot>/<lab>/converged.json): the lab file's text and what every
// router's frr.conf was. Container labels cannot change after create, so a
// router reconfigured in place still carries the frr hash it was created
// with; this record says what it runs now. A failed `up` on an edited file
// rolls back to it.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { renderRouter } from '../render/frr-config.js';
import type { Lab } from '../topology/model.js';
import { limiter } from '../util/concurrency.js';
import { frrTextHash } from './artifacts.js';

export interface LabState {
  /** Absolute path of the lab file, and its text when the lab converged. */
  file: string;
  text: string;
  /** router → frr.conf as applied and verified, with its hash (nodeFrrHash). */
  frr: Record<string, { hash: string; conf: string }>;
  at: string;
}

/** Where the CLI renders FRR configs (cli/context.ts CONFIG_ROOT), for readers that are not handed one. */
export const FRR_CONFIG_ROOT = join(REPO_ROOT, 'frr-configs');

const STATE_FILE = 'converged.json';
/** Routers reconfigured in place since the last convergence: what they run now (a failed run's rollback reverts them from here). */
const APPLIED_FILE = 'applied.json';

export type Applied = Record<string, { hash: string; conf: string }>;

export const labStatePath = (configRoot: string, lab: string): string => join(configRoot, lab, STATE_FILE);

export async function readLabState(configRoot: string, lab: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(labStatePath(configRoot, lab), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Pure: the record of `lab` as converged from `text`. */
export function labStateOf(lab: Lab, text: string, at: Date): LabState {
  const frr = Object.fromEntries(
    lab.routers.map((r) => {
      const conf = renderRouter(lab, r.name)['frr.conf'];
      return [r.name, { hash: frrTextHash(conf), conf }];
    }),
  );
  return { file: lab.file, text, frr, at: at.toISOString() };
}

export async function readApplied(configRoot: string, lab: string): Promise<Applied> {
  try {
    return JSON.parse(await readFile(join(configRoot, lab, APPLIED_FILE), 'utf8')) as Applied;
  } catch {
    return {};
  }
}

/**
 * Notes in this process, one at a time: `up` reconfigures routers in place in
 * parallel, and two read-modify-writes of one file at once lose a note (or,
 * with one temporary name, fail: "ENOENT … rename applied.json.tmp-<pid>",
 * seen when an edit reconfigured 7 routers at once).
 */
const oneNoteAtATime = limiter(1);

/** Notes that `router` now runs `conf` (applied in place, not yet part of a converged lab). */
export function noteApplied(configRoot: string, lab: string, router: string, conf: string): Promise<void> {
  return oneNoteAtATime(async () => {
    const all = { ...(await readApplied(configRoot, lab)), [router]: { hash: frrTextHash(conf), conf } };
    await writeAtomically(join(configRoot, lab, APPLIED_FILE), `${JSON.stringify(all, null, 1)}\n`);
  });
}

/** The lab converged: its record replaces the notes of in-place changes. */
export async function writeLabState(configRoot: string, state: LabState, labName: string): Promise<void> {
  await mkdir(join(configRoot, labName), { recursive: true });
  await writeAtomically(labStatePath(configRoot, labName), `${JSON.stringify(state, null, 1)}\n`);
  await rm(join(configRoot, labName, APPLIED_FILE), { force: true });
}

/** By rename: a reader never sees half a file. */
let tmpSeq = 0;
async function writeAtomically(path: string, body: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${tmpSeq++}`;
  await writeFile(tmp, body);
  await rename(tmp, path);
}
