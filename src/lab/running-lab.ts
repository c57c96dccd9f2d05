// The lab model of a running lab, found by label: every container carries the
// absolute path of the lab file it came from (anycast-lab.file).
import { LabError } from '../errors.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';

/** `selectHint` tells the user how to name a lab when several are up (each command takes it its own way). */
export async function runningLab(rt: ContainerRuntime, name?: string, selectHint = 'pass --lab <name>'): Promise<Lab> {
  const containers = (await rt.listContainers(name ? { [LABEL.lab]: name } : { [LABEL.lab]: '' })).filter((c) => c.labels[LABEL.kind] !== 'helper');
  const labs = [...new Set(containers.map((c) => c.labels[LABEL.lab]))].sort();
  if (labs.length === 0) throw new LabError('NOT_FOUND', name ? `lab "${name}" is not up (npm run lab -- up <file>)` : 'no lab is up (npm run lab -- up)');
  if (labs.length > 1) throw new LabError('USAGE', `several labs are up (${labs.join(', ')}); ${selectHint}`);
  const files = [...new Set(containers.map((c) => c.labels[LABEL.file]).filter(Boolean))];
  if (files.length !== 1) throw new LabError('NOT_FOUND', `lab "${labs[0]}": its containers name ${files.length} lab files (${files.join(', ') || 'none'}); run \`up\` again`);
  let lab: Lab;
  try {
    lab = loadLabFile(files[0]);
  } catch (cause) {
    throw new LabError('LAB_FILE', `lab "${labs[0]}" was created from ${files[0]}, which no longer loads (${(cause as Error).message.split('\n')[0]}); fix it or run \`down\``, { cause });
  }
  if (lab.name !== labs[0]) throw new LabError('USAGE', `lab file ${files[0]} is now named "${lab.name}", but the running lab is "${labs[0]}"; run \`up ${files[0]}\` again`);
  return lab;
}
