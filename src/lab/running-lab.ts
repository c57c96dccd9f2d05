// The lab model of a running lab, found by label: every container carries the
// absolute path of the lab file it came from (anycast-lab.file).
import { LabError } from '../errors.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import type { Lab } from '../topology/model.js';

export async function runningLab(rt: ContainerRuntime, name?: string): Promise<Lab> {
  const containers = (await rt.listContainers(name ? { [LABEL.lab]: name } : { [LABEL.lab]: '' })).filter((c) => c.labels[LABEL.kind] !== 'helper');
  const labs = [...new Set(containers.map((c) => c.labels[LABEL.lab]))].sort();
  if (labs.length === 0) throw new LabError('NOT_FOUND', name ? `lab "${name}" is not up (npm run lab -- up <file>)` : 'no lab is up (npm run lab -- up)');
  if (labs.length > 1) throw new LabError('USAGE', `several labs are up (${labs.join(', ')}); pass --lab <name>`);
  const files = [...new Set(containers.map((c) => c.labels[LABEL.file]).filter(Boolean))];
  if (files.length !== 1) throw new LabError('NOT_FOUND', `lab "${labs[0]}": its containers name ${files.length} lab files (${files.join(', ') || 'none'}); run \`up\` again`);
  const lab = loadLabFile(files[0]);
  if (lab.name !== labs[0]) throw new LabError('USAGE', `lab file ${files[0]} is now named "${lab.name}", but the running lab is "${labs[0]}"; run \`up ${files[0]}\` again`);
  return lab;
}
