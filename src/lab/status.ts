// `lab status`: what runs, read from labels and from FRR itself.
import { POP_PATHS } from '../agent/contract.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { BfdPeerState, BgpPeerState } from './frr-state.js';
import { readRouterState } from './router-query.js';

export interface NodeStatus {
  lab: string;
  node: string;
  role: string;
  container: string;
  state: string;
  bgp?: (BgpPeerState & { neighbor?: string })[];
  bfd?: BfdPeerState[];
  /** PoPs: health checker state and responder counters, as the agents wrote them. */
  announce?: unknown;
  queries?: unknown;
}

export interface LabStatus {
  labs: string[];
  nodes: NodeStatus[];
}

export async function labStatus(rt: ContainerRuntime, lab?: string): Promise<LabStatus> {
  const containers = (await rt.listContainers(lab ? { [LABEL.lab]: lab } : { [LABEL.lab]: '' })).filter((c) => c.labels[LABEL.kind] !== 'helper');
  const nodes = await Promise.all(
    containers.map(async (c): Promise<NodeStatus> => {
      const base: NodeStatus = { lab: c.labels[LABEL.lab], node: c.labels[LABEL.node], role: c.labels[LABEL.role], container: c.name, state: c.state };
      if (c.labels[LABEL.kind] !== 'router' || c.state !== 'running') return base;
      const s = await readRouterState(rt, c.id).catch(() => undefined);
      const out: NodeStatus = { ...base, bgp: s?.bgp.map((p) => ({ ...p, neighbor: p.description })), bfd: s?.bfd };
      if (c.labels[LABEL.role] === 'pop') {
        const r = await rt.exec(c.id, ['sh', '-c', `cat ${POP_PATHS.health} 2>/dev/null; echo; echo @@; cat ${POP_PATHS.stats} 2>/dev/null`], { timeoutMs: 10_000 }).catch(() => undefined);
        const [health = '', stats = ''] = (r?.stdout ?? '').split('@@');
        out.announce = parseOr(health, null);
        out.queries = parseOr(stats, null);
      }
      return out;
    }),
  );
  const order = { pop: 0, transit: 1, eyeball: 2, client: 3 } as Record<string, number>;
  nodes.sort((a, b) => a.lab.localeCompare(b.lab) || (order[a.role] ?? 9) - (order[b.role] ?? 9) || a.node.localeCompare(b.node));
  return { labs: [...new Set(nodes.map((n) => n.lab))].sort(), nodes };
}

function parseOr<T>(s: string, fallback: T): unknown {
  try {
    return s.trim() ? JSON.parse(s) : fallback;
  } catch {
    return fallback;
  }
}
