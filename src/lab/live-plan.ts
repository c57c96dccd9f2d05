// What `up` will change in a lab that runs, and why: the desired plan
// (plan.ts) against what Docker reports (labels, state, attachments) and the
// record of the last converged lab. Pure, so `lab plan`, `up --dry-run` and
// `up` itself read the same changes: what is shown is what runs.
import { LABEL } from '../runtime/labels.js';
import type { Attachment, ContainerInfo, NetworkInfo } from '../runtime/runtime.js';
import type { LabPlan, NodePlan } from './plan.js';

/**
 * add: a new node; remove: gone from the file; recreate: its container spec
 * changed (image, start-up scripts, daemons, agent config, a client's LAN);
 * start: stopped or paused with the same spec (a dockerd restart);
 * reconfigure: running, its links or frr.conf changed, applied in place.
 */
export type NodeAction = 'add' | 'remove' | 'recreate' | 'start' | 'reconfigure' | 'unchanged';
export type NetworkAction = 'add' | 'remove' | 'recreate' | 'unchanged';

export interface NodeChange {
  node: string;
  role: string;
  action: NodeAction;
  why: string;
  /** The container that runs now (all but add). */
  id?: string;
  /** For start and reconfigure: networks to attach and to detach. */
  connect: Attachment[];
  disconnect: string[];
  /** For start and reconfigure of a router: its frr.conf differs from what it runs. */
  frrChanged: boolean;
}

export interface NetworkChange {
  name: string;
  subnet: string;
  action: NetworkAction;
  why: string;
  id?: string;
}

export interface LabChanges {
  lab: string;
  nodes: NodeChange[];
  networks: NetworkChange[];
  /** Route helpers of clients that are gone (left by an interrupted run). */
  staleHelpers: string[];
}

export interface ObservedLab {
  containers: ContainerInfo[];
  networks: NetworkInfo[];
  /** router → frr hash it runs, from the last converged record (labels keep the one it was created with). */
  applied?: Record<string, string>;
}

export function planChanges(lab: string, desired: LabPlan, observed: ObservedLab): LabChanges {
  const networks = networkChanges(desired, observed);
  const renewed = new Set(networks.filter((n) => n.action === 'recreate').map((n) => n.name));
  const byName = new Map(observed.containers.filter((c) => c.labels[LABEL.kind] !== 'helper').map((c) => [c.name, c]));
  const nodes: NodeChange[] = desired.nodes.map((n) => nodeChange(n, byName.get(n.spec.name), renewed, observed.applied ?? {}));
  const wanted = new Set(desired.nodes.map((n) => n.spec.name));
  for (const c of byName.values()) {
    if (wanted.has(c.name)) continue;
    nodes.push({
      node: c.labels[LABEL.node] ?? c.name,
      role: c.labels[LABEL.role] ?? '?',
      action: 'remove',
      why: 'no longer in the lab file',
      id: c.id,
      connect: [],
      disconnect: [],
      frrChanged: false,
    });
  }
  const gone = new Set(nodes.filter((n) => n.action === 'remove').map((n) => n.node));
  const staleHelpers = observed.containers
    .filter((c) => c.labels[LABEL.kind] === 'helper' && (gone.has(c.labels[LABEL.node]) || !desired.nodes.some((n) => n.node === c.labels[LABEL.node])))
    .map((c) => c.id);
  return { lab, nodes, networks, staleHelpers };
}

function networkChanges(desired: LabPlan, observed: ObservedLab): NetworkChange[] {
  const have = new Map(observed.networks.map((n) => [n.name, n]));
  const out: NetworkChange[] = desired.networks.map((spec) => {
    const n = have.get(spec.name);
    if (!n) return { name: spec.name, subnet: spec.subnet, action: 'add', why: 'new in the lab file' };
    if (n.subnet !== spec.subnet) return { name: spec.name, subnet: spec.subnet, action: 'recreate', why: `subnet ${n.subnet} → ${spec.subnet}`, id: n.id };
    // IPv6 turned on or off, or its /64 moved: Docker cannot change a network's IPAM in place.
    if ((n.subnet6 ?? '') !== (spec.ipv6?.subnet ?? ''))
      return { name: spec.name, subnet: spec.subnet, action: 'recreate', why: `IPv6 subnet ${n.subnet6 ?? 'none'} → ${spec.ipv6?.subnet ?? 'none'}`, id: n.id };
    return { name: spec.name, subnet: spec.subnet, action: 'unchanged', why: '', id: n.id };
  });
  const wanted = new Set(desired.networks.map((n) => n.name));
  for (const n of observed.networks)
    if (!wanted.has(n.name)) out.push({ name: n.name, subnet: n.subnet ?? '', action: 'remove', why: 'no longer in the lab file', id: n.id });
  return out;
}

function nodeChange(n: NodePlan, c: ContainerInfo | undefined, renewed: Set<string>, applied: Record<string, string>): NodeChange {
  const base = { node: n.node, role: n.role, connect: [] as Attachment[], disconnect: [] as string[], frrChanged: false };
  if (!c) return { ...base, action: 'add', why: 'new in the lab file' };
  const id = c.id;
  if (c.labels[LABEL.configHash] !== n.spec.labels[LABEL.configHash])
    return { ...base, id, action: 'recreate', why: 'its container changed (image, start-up scripts, daemons, agent config or, for a client, its LAN)' };
  const router = n.spec.labels[LABEL.kind] === 'router';
  // Only routers change links in place; anything else has its addresses in its config hash.
  const { connect, disconnect } = router ? attachmentDiff(n.spec.networks ?? [], c.networks, renewed) : { connect: [], disconnect: [] };
  const runs = applied[n.node] ?? c.labels[LABEL.frrHash];
  const frrChanged = router && runs !== n.spec.labels[LABEL.frrHash];
  const why = [
    ...(connect.length ? [`link${connect.length > 1 ? 's' : ''} added: ${connect.map((a) => a.network).join(', ')}`] : []),
    ...(disconnect.length ? [`link${disconnect.length > 1 ? 's' : ''} removed: ${disconnect.join(', ')}`] : []),
    ...(frrChanged ? ['frr.conf changed'] : []),
  ];
  const moved = { ...base, id, connect, disconnect, frrChanged };
  if (c.state !== 'running') {
    const what = c.state === 'paused' ? 'paused' : `${c.state} (a dockerd restart, or stopped by hand)`;
    return { ...moved, action: 'start', why: [`${what}, container unchanged`, ...why].join('; ') };
  }
  if (why.length) return { ...moved, action: 'reconfigure', why: why.join('; ') };
  return { ...moved, action: 'unchanged', why: '' };
}

/**
 * Networks to attach and detach so a router has exactly the wanted ones, at
 * the wanted addresses. Without what Docker reports (an engine that does not
 * list them) nothing is changed. A recreated network is detached and attached again.
 */
function attachmentDiff(want: Attachment[], have: Attachment[] | undefined, renewed: Set<string>): { connect: Attachment[]; disconnect: string[] } {
  if (!have) return { connect: [], disconnect: [] };
  const haveBy = new Map(have.map((a) => [a.network, a.ipv4]));
  const wantBy = new Map(want.map((a) => [a.network, a]));
  const moved = (a: Attachment): boolean => {
    const w = wantBy.get(a.network);
    return Boolean((a.ipv4 && w?.ipv4 !== a.ipv4) || (a.ipv6 ?? '') !== (w?.ipv6 ?? ''));
  };
  const disconnect = have.filter((a) => !wantBy.has(a.network) || moved(a) || renewed.has(a.network)).map((a) => a.network);
  const connect = want.filter((a) => !haveBy.has(a.network) || disconnect.includes(a.network));
  return { connect, disconnect };
}

export const hasChanges = (c: LabChanges): boolean => c.nodes.some((n) => n.action !== 'unchanged') || c.networks.some((n) => n.action !== 'unchanged');

const SIGN: Record<NodeAction, string> = { add: '+', remove: '-', recreate: '-/+', start: '>', reconfigure: '~', unchanged: ' ' };
const VERB: Record<NodeAction, string> = {
  add: 'to add',
  remove: 'to remove',
  recreate: 'to recreate',
  start: 'to start',
  reconfigure: 'to reconfigure in place',
  unchanged: 'unchanged',
};

/** terraform-plan style: one line per change with its reason, then the counts. */
export function renderChanges(c: LabChanges): string {
  const lines: string[] = [];
  const width = Math.max(4, ...c.nodes.map((n) => n.node.length));
  for (const action of ['add', 'remove', 'recreate', 'start', 'reconfigure'] as const)
    for (const n of c.nodes.filter((x) => x.action === action))
      lines.push(`  ${SIGN[action].padStart(3)} ${n.node.padEnd(width)}  ${n.role.padEnd(9)} ${n.why}`);
  for (const action of ['add', 'remove', 'recreate'] as const)
    for (const n of c.networks.filter((x) => x.action === action)) lines.push(`  ${SIGN[action].padStart(3)} network ${n.name} ${n.subnet}  ${n.why}`);
  const unchanged = c.nodes.filter((n) => n.action === 'unchanged').map((n) => n.node);
  if (unchanged.length) lines.push(`      unchanged: ${unchanged.join(', ')}`);
  const counts = (['add', 'reconfigure', 'start', 'recreate', 'remove'] as const).map((a) => `${c.nodes.filter((n) => n.action === a).length} ${VERB[a]}`);
  const nets = c.networks.filter((n) => n.action !== 'unchanged').length;
  return [`lab "${c.lab}": ${counts.join(', ')}, ${unchanged.length} unchanged; ${nets} network change${nets === 1 ? '' : 's'}`, ...lines].join('\n');
}
