// The lab model of a running lab, found by label: every container carries the
// absolute path of the lab file it came from (anycast-lab.file) and the hash
// of the config it was created with (anycast-lab.config-hash). The model is
// only handed out while the two still agree: a `kill` restore recreates a
// node from the model, and must not bring back a different one.
import { LabError } from '../errors.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import { nodeConfigHash, nodeFrrHash } from './artifacts.js';
import { FRR_CONFIG_ROOT, readApplied, readLabState } from './lab-state.js';
import { planLab } from './plan.js';

/** `selectHint` tells the user how to name a lab when several are up (each command takes it its own way). */
export async function runningLab(rt: ContainerRuntime, name?: string, selectHint = 'pass --lab <name>', configRoot = FRR_CONFIG_ROOT): Promise<Lab> {
  const containers = (await rt.listContainers(name ? { [LABEL.lab]: name } : { [LABEL.lab]: '' })).filter((c) => c.labels[LABEL.kind] !== 'helper');
  const labs = [...new Set(containers.map((c) => c.labels[LABEL.lab]))].sort();
  if (labs.length === 0) throw new LabError('NOT_FOUND', name ? `lab "${name}" is not up (npm run lab -- up <file>)` : 'no lab is up (npm run lab -- up)');
  if (labs.length > 1) throw new LabError('USAGE', `several labs are up (${labs.join(', ')}); ${selectHint}`);
  let files = [...new Set(containers.map((c) => c.labels[LABEL.file]).filter(Boolean))];
  // A live edit keeps containers created from the file before (labels never
  // change): the file of the last converged `up` is the one that runs.
  if (files.length > 1) {
    const current = (await readLabState(configRoot, labs[0]))?.file;
    if (current && files.includes(current)) files = [current];
  }
  if (files.length !== 1)
    throw new LabError('NOT_FOUND', `lab "${labs[0]}": its containers name ${files.length} lab files (${files.join(', ') || 'none'}); run \`up\` again`);
  let lab: Lab;
  try {
    lab = loadLabFile(files[0]);
  } catch (cause) {
    throw new LabError(
      'LAB_FILE',
      `lab "${labs[0]}" was created from ${files[0]}, which no longer loads (${(cause as Error).message.split('\n')[0]}); fix it or run \`down\``,
      { cause },
    );
  }
  if (lab.name !== labs[0])
    throw new LabError('LAB_CHANGED', `lab file ${files[0]} is now named "${lab.name}", but the running lab is "${labs[0]}"; run \`up ${files[0]}\` again`);
  const changed = changedNodes(lab, containers, await runningFrrHashes(configRoot, lab.name));
  if (changed.length) {
    throw new LabError(
      'LAB_CHANGED',
      `lab "${lab.name}": ${changed.join(', ')} ${changed.length === 1 ? 'was' : 'were'} created from another version of ${files[0]} (or of the scripts a router starts with); ` +
        `run \`npm run lab -- up ${files[0]}\` again first, so what runs is what the file says`,
    );
  }
  return lab;
}

/**
 * Pure: the nodes whose container carries another config hash than `lab`
 * gives it today (or that `lab` no longer has), computed as `up` labels
 * them, and the routers whose frr.conf is not the one they run (`applied`:
 * as recorded after in-place changes and convergence; else their label).
 * Each container is judged with the image it runs (Docker reports the ref it
 * was created with), so only a change of the lab file or of the router start
 * scripts counts, not a rebuilt image. Docker shows an image ID instead once
 * that ref is gone or retagged: such a container cannot be judged, and is
 * left out.
 */
export function changedNodes(lab: Lab, containers: ContainerInfo[], applied: Record<string, string> = {}): string[] {
  const configHashes = Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)]));
  const byImage = new Map<string, Map<string, string | undefined>>();
  const wanted = (image: string, node: string) => {
    let hashes = byImage.get(image);
    if (!hashes) {
      // Paths only reach the binds, never the hash.
      const plan = planLab(lab, { router: image, client: image }, { configRoot: '', agentDir: '' }, configHashes);
      hashes = new Map(plan.nodes.map((n) => [n.node, n.spec.labels[LABEL.configHash]]));
      byImage.set(image, hashes);
    }
    return hashes.get(node);
  };
  const frrChanged = (c: ContainerInfo) => {
    const node = c.labels[LABEL.node];
    const runs = applied[node] ?? c.labels[LABEL.frrHash];
    return runs !== undefined && lab.routers.some((r) => r.name === node) && runs !== nodeFrrHash(lab, node);
  };
  return containers
    .filter(
      (c) =>
        c.labels[LABEL.configHash] !== undefined &&
        !c.image.startsWith('sha256:') &&
        (wanted(c.image, c.labels[LABEL.node]) !== c.labels[LABEL.configHash] || frrChanged(c)),
    )
    .map((c) => c.labels[LABEL.node])
    .sort();
}

/** router → hash of the frr.conf it runs, where `up` recorded it. */
async function runningFrrHashes(configRoot: string, lab: string): Promise<Record<string, string>> {
  const [state, inPlace] = await Promise.all([readLabState(configRoot, lab), readApplied(configRoot, lab)]);
  return Object.fromEntries(Object.entries({ ...(state?.frr ?? {}), ...inPlace }).map(([r, f]) => [r, f.hash]));
}
