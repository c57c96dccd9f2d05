import { LabError, LabFileError } from '../errors.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';

export interface FoundNode {
  id: string;
  lab: string;
  node: string;
  kind: string;
  role: string;
  /** Routers: the prefix the lab announces, from the lab file the container was created from (absent when that file no longer loads). */
  anycastPrefix?: string;
  /** A dual-stack lab's /48 beside it. */
  anycastPrefix6?: string;
}

/** A node by name; the lab may be omitted when only one lab has that node. */
export async function findNodeContainer(rt: ContainerRuntime, node: string, lab?: string): Promise<FoundNode> {
  const filter: Record<string, string> = { [LABEL.node]: node };
  if (lab) filter[LABEL.lab] = lab;
  const hits = (await rt.listContainers(filter)).filter((c) => c.labels[LABEL.kind] !== 'helper');
  if (hits.length === 0) {
    const all = await rt.listContainers({ [LABEL.lab]: lab ?? '' });
    const names = [...new Set(all.filter((c) => c.labels[LABEL.kind] !== 'helper').map((c) => c.labels[LABEL.node]))].sort();
    throw new LabError(
      'NOT_FOUND',
      `no node "${node}"${lab ? ` in lab ${lab}` : ''}; ${names.length ? `nodes: ${names.join(', ')}` : 'no lab is up (npm run lab -- up)'}`,
    );
  }
  if (hits.length > 1) throw new LabError('USAGE', `"${node}" exists in several labs (${hits.map((h) => h.labels[LABEL.lab]).join(', ')}); pass --lab`);
  const c = hits[0];
  if (c.state !== 'running') throw new LabError('NOT_FOUND', `node ${node} is ${c.state}, not running`);
  const found: FoundNode = { id: c.id, lab: c.labels[LABEL.lab], node, kind: c.labels[LABEL.kind], role: c.labels[LABEL.role] };
  if ((found.kind === 'router' || found.kind === 'collector') && c.labels[LABEL.file]) {
    const { prefix, prefix6 } = anycastPrefixOf(c.labels[LABEL.file]);
    if (prefix) found.anycastPrefix = prefix;
    if (prefix6) found.anycastPrefix6 = prefix6;
  }
  return found;
}

/** A node that must be of one kind (`lab vtysh` needs a router): a node of another kind is named with those of the right kind. */
export async function findNodeOfKind(rt: ContainerRuntime, node: string, kind: string, lab?: string): Promise<FoundNode> {
  const found = await findNodeContainer(rt, node, lab);
  if (found.kind === kind) return found;
  const same = await rt.listContainers({ [LABEL.lab]: found.lab, [LABEL.kind]: kind });
  const names = same.map((c) => c.labels[LABEL.node]).sort();
  throw new LabError('USAGE', `${node} is a ${found.kind}, not a ${kind}; ${kind}s in lab ${found.lab}: ${names.join(', ') || 'none'}`);
}

/** `exec` and `lg` must still reach a node whose lab file was since broken: then there is no prefix, not an error. */
function anycastPrefixOf(file: string): { prefix?: string; prefix6?: string } {
  try {
    const { anycast } = loadLabFile(file);
    return { prefix: anycast.prefix, prefix6: anycast.ipv6?.prefix };
  } catch (err) {
    if (err instanceof LabFileError) return {};
    throw err;
  }
}
