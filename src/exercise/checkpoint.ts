// `lab checkpoint save|restore <name>`: what an attendee can change, captured
// and put back, so a trainer can say "everyone restore after-policy" and a
// lost attendee is back in seconds. What an attendee changes all lands in two
// places: each router's running config (policy overrides are route-map lines,
// vtysh-made config is config, an exercise's injected fault is config too)
// and the PoPs' drain markers. A checkpoint keeps both, read from the routers
// themselves, and the exercise whose recording was running. Restore applies
// only the differences (configDiff), then watches the catchment settle, like
// every other live change.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { additionCommands, type ConfigDiff, configDiff, describeStatement, isEmptyDiff, removalCommands, removals } from '../lab/checkpoint-diff.js';
import { readOverrides } from '../lab/overrides.js';
import { vtysh } from '../lab/router-query.js';
import type { ChangeReport } from '../policy/catchment.js';
import { drainControl, type LiveOptions, measureChange } from '../policy/live-policy.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { ROLE_NAMES, roleSpec } from '../topology/roles/registry.js';
import { runningRecordings } from './recording.js';

export const CHECKPOINT_FORMAT = 1;

export interface Checkpoint {
  format: number;
  name: string;
  lab: string;
  savedAt: string;
  /** Router → its `show running-config` at save time. */
  config: Record<string, string>;
  /** PoPs drained (withdrawn by the operator) at save time. */
  drained: string[];
  /** Exercises whose recording was running: the exercise in progress. */
  exercises: string[];
}

export interface RestoreResult extends ChangeReport {
  checkpoint: { name: string; savedAt: string; exercises: string[] };
  /** Per router, the statements put back (+) and taken away (-). */
  changed: Record<string, string[]>;
  drains: { drained: string[]; announced: string[] };
}

/** A name that is also a safe file name. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkpointFile(dir: string, labName: string, name: string): string {
  if (!NAME_RE.test(name))
    throw new LabError('USAGE', `checkpoint name "${name}": use letters, digits, ".", "_" and "-" (at most 64, not starting with a punctuation mark)`);
  return join(dir, labName, `${name}.json`);
}

/** Statements a lab changes by itself: a PoP's announcement belongs to its health checker (drains are restored as markers). */
const selfOwned = (lab: Lab): RegExp[] => ROLE_NAMES.flatMap((r) => roleSpec(r).converge.runtimeOwned(lab));

const runningConfig = (rt: ContainerRuntime, lab: Lab, router: string) => vtysh(rt, containerName(lab.name, router), 'show running-config');

export async function saveCheckpoint(rt: ContainerRuntime, lab: Lab, dir: string, name: string): Promise<{ file: string; checkpoint: Checkpoint }> {
  const file = checkpointFile(dir, lab.name, name);
  const config = Object.fromEntries(await Promise.all(lab.routers.map(async (r) => [r.name, await runningConfig(rt, lab, r.name)] as const)));
  const { drained } = await readOverrides(rt, lab, { lenient: false });
  const checkpoint: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    name,
    lab: lab.name,
    savedAt: new Date().toISOString(),
    config,
    drained,
    exercises: await runningRecordings(rt, lab),
  };
  await mkdir(join(dir, lab.name), { recursive: true });
  await writeFile(file, `${JSON.stringify(checkpoint, null, 2)}\n`);
  return { file, checkpoint };
}

export async function loadCheckpoint(dir: string, lab: Lab, name: string): Promise<Checkpoint> {
  const file = checkpointFile(dir, lab.name, name);
  let cp: Checkpoint;
  try {
    cp = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
  } catch (err) {
    const have = await listCheckpoints(dir, lab.name);
    throw new LabError('NOT_FOUND', `no checkpoint "${name}" for lab ${lab.name} (${file}); saved: ${have.join(', ') || 'none'}`, { cause: err });
  }
  if (cp.format !== CHECKPOINT_FORMAT) throw new LabError('USAGE', `${file}: checkpoint format ${cp.format}, this version reads ${CHECKPOINT_FORMAT}`);
  const missing = lab.routers.map((r) => r.name).filter((r) => !(r in cp.config));
  if (missing.length)
    throw new LabError('LAB_CHANGED', `checkpoint "${name}" was saved from another shape of lab ${lab.name}: it has no config for ${missing.join(', ')}`);
  return cp;
}

export async function listCheckpoints(dir: string, labName: string): Promise<string[]> {
  const files = await readdir(join(dir, labName)).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
}

/**
 * Each router's differences undone through vtysh (checked by reading the
 * config again: an undone `neighbor … remote-as` takes the neighbour's other
 * lines with it, so a second pass adds back what the first removed), a soft
 * clear so route-maps are re-run, drains set as saved; then the catchment.
 */
export async function restoreCheckpoint(rt: ContainerRuntime, lab: Lab, cp: Checkpoint, o: LiveOptions): Promise<RestoreResult> {
  const ignore = selfOwned(lab);
  const changed: Record<string, string[]> = {};
  const drains = { drained: [] as string[], announced: [] as string[] };
  const report = await measureChange(
    rt,
    lab,
    `restore checkpoint "${cp.name}" (saved ${cp.savedAt})`,
    async () => {
      const applied = (
        await Promise.all(
          lab.routers.map(async (r) => {
            const lines = await restoreRouter(rt, lab, r.name, cp.config[r.name], ignore);
            if (!lines.length) return null;
            changed[r.name] = lines;
            return { node: r.name, commands: lines };
          }),
        )
      ).filter((a): a is { node: string; commands: string[] } => a !== null);
      const now = (await readOverrides(rt, lab, { lenient: false })).drained;
      const ctl = drainControl(rt, lab);
      drains.drained = cp.drained.filter((p) => !now.includes(p));
      drains.announced = now.filter((p) => !cp.drained.includes(p));
      await Promise.all([...drains.drained.map((p) => ctl.drain(p)), ...drains.announced.map((p) => ctl.undrain(p))]);
      for (const p of drains.drained) applied.push({ node: p, commands: ['withdraw (drain marker set)'] });
      for (const p of drains.announced) applied.push({ node: p, commands: ['announce (drain marker removed)'] });
      return applied.length ? { applied } : null;
    },
    o,
  );
  const notes = [...report.notes];
  if (cp.exercises.length) notes.push(`exercise in progress at the checkpoint: ${cp.exercises.join(', ')} (\`exercise check ${cp.exercises[0]}\` grades it)`);
  return { ...report, notes, checkpoint: { name: cp.name, savedAt: cp.savedAt, exercises: cp.exercises }, changed, drains };
}

const MAX_PASSES = 3;

/**
 * Removals one by one, each with the first negation FRR's parser accepts (a
 * shorter one only after "% Unknown command"), then the additions in one go.
 */
async function applyDiff(rt: ContainerRuntime, container: string, diff: ConfigDiff): Promise<void> {
  for (const r of removals(diff)) {
    for (const [i, candidate] of r.candidates.entries()) {
      try {
        await vtysh(rt, container, ...removalCommands(r, candidate));
        break;
      } catch (err) {
        const lastTry = i === r.candidates.length - 1;
        if (lastTry || !/Unknown command/i.test((err as Error).message)) throw err;
      }
    }
  }
  const add = additionCommands(diff);
  if (add.length) await vtysh(rt, container, ...add);
}

/** The statements one router had changed, described; throws when they cannot all be undone. */
async function restoreRouter(rt: ContainerRuntime, lab: Lab, router: string, saved: string, ignore: readonly RegExp[]): Promise<string[]> {
  const container = containerName(lab.name, router);
  const described: string[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const diff = configDiff(saved, await runningConfig(rt, lab, router), ignore);
    if (isEmptyDiff(diff)) {
      if (described.length) await vtysh(rt, container, 'clear bgp ipv4 unicast * soft');
      return described;
    }
    if (pass === 0) described.push(...diff.remove.map((s) => describeStatement(s, '-')), ...diff.add.map((s) => describeStatement(s, '+')));
    await applyDiff(rt, container, diff);
  }
  const left = configDiff(saved, await runningConfig(rt, lab, router), ignore);
  if (isEmptyDiff(left)) {
    await vtysh(rt, container, 'clear bgp ipv4 unicast * soft');
    return described;
  }
  throw new LabError(
    'ROUTER_QUERY',
    `${router}: after ${MAX_PASSES} passes its running config still differs from the checkpoint: ${[...left.remove.map((s) => describeStatement(s, '-')), ...left.add.map((s) => describeStatement(s, '+'))].join('; ')}`,
  );
}
