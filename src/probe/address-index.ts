// Every address of a lab, mapped to the node that owns it: what `trace`
// annotates hops with, as `mtr --aslookup` does with whois. Pure, from the
// lab model only.

import { contains, parseCidr } from '../topology/ipv4.js';
import { type Lab, type NodeRole, sessionsOf } from '../topology/model.js';
import { anycastRouters, roleSpec } from '../topology/roles/registry.js';

export interface AddressOwner {
  /** null for an anycast address: every PoP holds it, and which one answered is only known per trace. */
  node: string | null;
  role: NodeRole;
  /** A client is in its eyeball's AS. null: an anycast address whose PoPs have different ASNs. */
  asn: number | null;
  /** Where the address lives: a link's name, a LAN's name, `router-id`, or `anycast`. */
  where: string;
}

/**
 * Link ends, LAN router addresses, clients, router-ids and the anycast
 * addresses. Docker's bridge addresses (each subnet's first host) are left
 * out: no node uses them, so a hop never comes from one.
 */
export function addressIndex(lab: Lab): Map<string, AddressOwner> {
  const index = new Map<string, AddressOwner>();
  const asnOf = new Map(lab.routers.map((r) => [r.name, r.asn]));
  const roleOf = new Map(lab.routers.map((r) => [r.name, r.role]));
  const router = (node: string, where: string): AddressOwner => ({ node, role: roleOf.get(node) ?? 'client', asn: asnOf.get(node) ?? null, where });
  for (const r of lab.routers) index.set(r.routerId, router(r.name, 'router-id'));
  for (const link of lab.links) for (const end of [link.a, link.b]) index.set(end.address, router(end.node, link.name));
  for (const lan of lab.lans) index.set(lan.routerAddress, router(lan.eyeball, lan.name));
  const lanName = new Map(lab.lans.map((l) => [l.subnet, l.name]));
  for (const c of lab.clients) index.set(c.address, { node: c.name, role: 'client', asn: asnOf.get(c.eyeball) ?? null, where: lanName.get(c.lan) ?? c.lan });
  const pops = anycastRouters(lab);
  const asns = [...new Set(pops.map((p) => p.asn))];
  const role = pops[0]?.role ?? 'client';
  for (const a of [lab.anycast.dnsAddress, lab.anycast.httpAddress])
    index.set(a, { node: null, role, asn: asns.length === 1 ? asns[0] : null, where: 'anycast' });
  return index;
}

/** Nodes `trace` can aim at, by name, and the address each stands for. */
export interface TargetChoice {
  name: string;
  address: string;
}

/**
 * The nodes a trace from `source` reaches, with the address each stands for.
 * The first router on the way (the source itself, or a client's eyeball)
 * must have a route to it: the routes its role converges to (an eyeball
 * learns only the anycast prefix; PoPs and transits every LAN) plus its own
 * links and LAN. So: a client's address, a router's address on its client
 * LAN, or a neighbour of that first router on their shared link. Link
 * subnets are not announced and router-ids sit on no interface, so a router
 * further away with no LAN has no address a trace reaches.
 */
export function targetChoices(lab: Lab, source: string): TargetChoice[] {
  const first = firstRouter(lab, source);
  if (!first) return [];
  const routed = first.routes.map(parseCidr);
  const reaches = (address: string) => routed.some((net) => contains(net, address));
  const out = new Map<string, string>();
  for (const s of sessionsOf(lab, first.name)) out.set(s.remote.node, s.remote.address);
  for (const lan of lab.lans) if (!out.has(lan.eyeball) && reaches(lan.routerAddress)) out.set(lan.eyeball, lan.routerAddress);
  for (const c of lab.clients) if (reaches(c.address)) out.set(c.name, c.address);
  out.delete(source);
  return [...out].map(([name, address]) => ({ name, address })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The first router a trace from `source` crosses (itself, or a client's
 * eyeball), and the IPv4 prefixes it routes beyond its links: `trace` runs
 * over IPv4, and a dual-stack router's converge routes also list its /48 and
 * /64s, which no IPv4 address falls in.
 */
export function firstRouter(lab: Lab, source: string): { name: string; routes: string[] } | undefined {
  const client = lab.clients.find((c) => c.name === source);
  const first = lab.routers.find((r) => r.name === (client ? client.eyeball : source));
  if (!first) return undefined;
  const own = lab.lans.filter((l) => l.eyeball === first.name).map((l) => l.subnet);
  const routes = roleSpec(first.role)
    .converge.routes(lab, first)
    .filter((p) => !p.includes(':'));
  return { name: first.name, routes: [...new Set([...routes, ...own])] };
}
