// Which host runs which node, for a lab file with `hosts:`. Pure, so it can be
// tested with tables. A link whose ends share a host stays a local bridge; one
// that crosses hosts needs a Swarm overlay (slower: VXLAN, MTU 1450, and every
// overlay is a raft entry, swarmkit#2655), so automatic placement keeps each
// transit's customers (its PoPs and eyeballs, and the eyeballs' clients) on
// the transit's host and balances routers, ~45 MB each, across hosts.
import type { LabHosts } from './hosts.js';
import type { Lab } from './model.js';
import type { ObserverNode } from './roles/observer-spec.js';
import { observersOf } from './roles/observers.js';

export interface Placement {
  /** node (router, client, observer such as the collector) → host name. */
  host: Record<string, string>;
  /** Hosts in lab-file order, with the routers and clients each one runs. */
  hosts: { name: string; routers: string[]; clients: string[] }[];
}

export interface CrossingLink {
  /** A link's name ("fra--t-eu"), or a LAN's. */
  name: string;
  kind: 'link' | 'lan';
  /** Distinct hosts of its members, in lab-file host order. */
  hosts: string[];
}

/** Pins first, then each transit's group on the host that keeps most of its links local without overfilling it. */
export function placeLab(lab: Lab, hosts: LabHosts): Placement {
  const order = hosts.hosts.map((h) => h.name);
  const host: Record<string, string> = { ...hosts.pinned };
  const load = new Map(order.map((h) => [h, 0]));
  for (const r of lab.routers) if (host[r.name]) load.set(host[r.name], (load.get(host[r.name]) ?? 0) + 1);
  const target = Math.ceil(lab.routers.length / Math.max(1, order.length));
  const neighbours = neighbourMap(lab);

  for (const group of transitGroups(lab)) {
    const free = group.filter((n) => !host[n]);
    if (!free.length) continue;
    const anchorHost = host[group[0]];
    const chosen = anchorHost ?? pickHost(order, load, target, free, neighbours, host);
    for (const n of free) host[n] = chosen;
    load.set(chosen, (load.get(chosen) ?? 0) + free.length);
  }
  for (const c of lab.clients) host[c.name] ??= host[c.eyeball];
  for (const { node } of observersOf(lab)) host[node.name] ??= observerHost(node, host, order, hosts.manager);
  return {
    host,
    hosts: order.map((name) => ({
      name,
      routers: lab.routers.filter((r) => host[r.name] === name).map((r) => r.name),
      clients: lab.clients.filter((c) => host[c.name] === name).map((c) => c.name),
    })),
  };
}

/** Links and LANs whose members sit on more than one host: each one becomes an overlay. */
export function crossingLinks(lab: Lab, placement: Placement): CrossingLink[] {
  const order = placement.hosts.map((h) => h.name);
  const spread = (members: string[]): string[] => order.filter((h) => members.some((m) => placement.host[m] === h));
  const out: CrossingLink[] = [];
  for (const link of lab.links) {
    const hosts = spread([link.a.node, link.b.node]);
    if (hosts.length > 1) out.push({ name: link.name, kind: 'link', hosts });
  }
  for (const lan of lab.lans) {
    const hosts = spread([lan.eyeball, ...lan.clients]);
    if (hosts.length > 1) out.push({ name: lan.name, kind: 'lan', hosts });
  }
  for (const { node } of observersOf(lab)) {
    const hosts = spread([node.name, ...node.peers.map((p) => p.router)]);
    if (hosts.length > 1) out.push({ name: `${node.name} LAN`, kind: 'lan', hosts });
  }
  return out;
}

/**
 * Each transit with the routers that hang off it (a PoP or eyeball goes with
 * the first transit it links to), largest first; routers that reach no
 * transit form groups of their own. The first member is the anchor.
 */
function transitGroups(lab: Lab): string[][] {
  const transits = lab.routers.filter((r) => r.role === 'transit').map((r) => r.name);
  const groups = new Map(transits.map((t) => [t, [t]]));
  const loose: string[][] = [];
  for (const r of lab.routers) {
    if (r.role === 'transit') continue;
    const uplink = lab.links.find((l) => (l.a.node === r.name && groups.has(l.b.node)) || (l.b.node === r.name && groups.has(l.a.node)));
    const transit = uplink && (uplink.a.node === r.name ? uplink.b.node : uplink.a.node);
    if (transit) groups.get(transit)?.push(r.name);
    else loose.push([r.name]);
  }
  // Stable sort: equal groups keep lab-file order, so the placement is reproducible.
  return [...groups.values(), ...loose].sort((x, y) => y.length - x.length);
}

function pickHost(
  order: string[],
  load: ReadonlyMap<string, number>,
  target: number,
  group: string[],
  neighbours: ReadonlyMap<string, string[]>,
  placed: Readonly<Record<string, string>>,
): string {
  const fits = order.filter((h) => (load.get(h) ?? 0) + group.length <= target);
  const lightest = Math.min(...order.map((h) => load.get(h) ?? 0));
  const candidates = fits.length ? fits : order.filter((h) => load.get(h) === lightest);
  const localLinks = (h: string): number => group.reduce((n, m) => n + (neighbours.get(m) ?? []).filter((x) => placed[x] === h).length, 0);
  // Most links kept local, then the lighter host, then lab-file order.
  return candidates.reduce((best, h) => {
    const d = localLinks(h) - localLinks(best);
    return d > 0 || (d === 0 && (load.get(h) ?? 0) < (load.get(best) ?? 0)) ? h : best;
  });
}

/** An observer shares one LAN with its peers (the collector: every transit): put it where most of them are (ties: the manager). */
function observerHost(node: ObserverNode, host: Readonly<Record<string, string>>, order: string[], manager: string): string {
  const peersOn = (h: string): number => node.peers.filter((p) => host[p.router] === h).length;
  return [manager, ...order.filter((h) => h !== manager)].reduce((best, h) => (peersOn(h) > peersOn(best) ? h : best));
}

function neighbourMap(lab: Lab): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (a: string, b: string) => m.set(a, [...(m.get(a) ?? []), b]);
  for (const l of lab.links) {
    add(l.a.node, l.b.node);
    add(l.b.node, l.a.node);
  }
  return m;
}

/** `lab plan`'s placement section. */
export function renderPlacement(hosts: LabHosts, placement: Placement, crossing: CrossingLink[]): string {
  const lines = [`placement on ${hosts.hosts.length} hosts (Swarm manager: ${hosts.manager}):`];
  for (const h of placement.hosts) {
    const pinned = [...h.routers, ...h.clients].filter((n) => hosts.pinned[n]);
    lines.push(
      `  ${h.name}: ${h.routers.length} routers, ${h.clients.length} clients: ${[...h.routers, ...h.clients].join(' ') || '(none)'}${pinned.length ? ` (pinned: ${pinned.join(' ')})` : ''}`,
    );
  }
  lines.push(crossing.length ? `links crossing hosts (${crossing.length}, each an overlay):` : 'links crossing hosts: none (every link is a local bridge)');
  for (const c of crossing) lines.push(`  ${c.name} (${c.kind}): ${c.hosts.join(' ↔ ')}`);
  return lines.join('\n');
}
