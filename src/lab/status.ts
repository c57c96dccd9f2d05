// `lab status`: what runs, read from labels and from FRR itself.
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { ROLE_NAMES, roleSpecOf } from '../topology/roles/registry.js';
import type { BfdPeerState, BgpPeerState } from './frr-state.js';
import type { PolicyOverride } from './policy-overrides.js';
import { readPolicyOverrides, readRouterState } from './router-query.js';

export interface NodeStatus {
  lab: string;
  node: string;
  role: string;
  container: string;
  state: string;
  bgp?: (BgpPeerState & { neighbor?: string })[];
  bfd?: BfdPeerState[];
  /** Route-map knobs `lab policy` changed from the lab file, read from the router's running config. */
  policy?: PolicyOverride[];
  /** What the role's own agents report (RoleSpec.status.read), e.g. a PoP's `announce` and `queries`. */
  [roleField: string]: unknown;
}

export interface LabStatus {
  labs: string[];
  nodes: NodeStatus[];
}

/**
 * `overrides`: also read live policy overrides (frr.conf against the running
 * config, a full `show running-config` per router): `lab status` shows them,
 * the dashboard's once-a-second poll does not need them.
 */
export async function labStatus(rt: ContainerRuntime, lab?: string, o: { overrides?: boolean } = {}): Promise<LabStatus> {
  const containers = (await rt.listContainers(lab ? { [LABEL.lab]: lab } : { [LABEL.lab]: '' })).filter((c) => c.labels[LABEL.kind] !== 'helper');
  const nodes = await Promise.all(
    containers.map(async (c): Promise<NodeStatus> => {
      const base: NodeStatus = { lab: c.labels[LABEL.lab], node: c.labels[LABEL.node], role: c.labels[LABEL.role], container: c.name, state: c.state };
      if (c.labels[LABEL.kind] !== 'router' || c.state !== 'running') return base;
      const [s, policy] = await Promise.all([
        readRouterState(rt, c.id).catch(() => undefined),
        o.overrides === false ? undefined : readPolicyOverrides(rt, c.name, base.node).catch(() => undefined),
      ]);
      const out: NodeStatus = { ...base, bgp: s?.bgp.map((p) => ({ ...p, neighbor: p.description })), bfd: s?.bfd, policy };
      const status = roleSpecOf(c.labels[LABEL.role])?.status;
      if (status) {
        const r = await rt.exec(c.id, ['sh', '-c', status.script], { timeoutMs: 10_000 }).catch(() => undefined);
        Object.assign(out, status.read(r?.stdout ?? ''));
      }
      return out;
    }),
  );
  // Routers in the registry's order, then clients, then anything unknown.
  const order: Record<string, number> = { ...Object.fromEntries(ROLE_NAMES.map((r, i) => [r, i])), client: ROLE_NAMES.length };
  const rank = (role: string) => order[role] ?? ROLE_NAMES.length + 1;
  nodes.sort((a, b) => a.lab.localeCompare(b.lab) || rank(a.role) - rank(b.role) || a.node.localeCompare(b.node));
  return { labs: [...new Set(nodes.map((n) => n.lab))].sort(), nodes };
}
