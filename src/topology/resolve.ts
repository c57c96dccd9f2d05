// Raw lab file → resolved Lab: references checked, defaults applied,
// addresses allocated. Pure; every issue carries the path of its field. One
// function per section of the file, called in the order the file reads, so
// issues come out in that order too. What differs by role is asked of the
// role's spec (topology/roles/), never decided here by name.

import { defaultNameservers, defaultSoa } from '../contract/agent.js';
import { addIpv6, checkExpect6, resolveFamilies, resolveIpv6Settings } from './dual-stack.js';
import { type FieldPath, formatPath } from './field-path.js';
import { type Cidr, contains, formatCidr, hostAt, KeyedAllocator, mask, nameHash, overlaps, parseCidr, toInt } from './ipv4.js';
import type { AnycastService, BfdOptions, Client, Lab, Lan, Link, LinkEnd, Router, RouterRole } from './model.js';
import { unreachableExpectations } from './reachability.js';
import { resolveCollector } from './roles/collector.js';
import { ROLE_NAMES, roleRouterFields, roleSpec, rolesWithRouterField } from './roles/registry.js';
import type { RawRouter, RoleSpec } from './roles/role-spec.js';
import type { LabFile, RawBfd, RawLinkEnd } from './schema.js';
import { resolveVerify } from './verify.js';

export interface PathIssue {
  path: (string | number)[];
  /** A key inside the object at path (for "unknown field" style issues). */
  key?: string;
  message: string;
}

export type ResolveResult = { ok: true; lab: Lab } | { ok: false; issues: PathIssue[] };

export const DEFAULTS = {
  prefix: '192.0.2.0/24',
  dns: '192.0.2.53',
  http: '192.0.2.80',
  streamPort: 7000,
  zone: 'lab.',
  links: '10.77.0.0/16',
  lans: '10.78.0.0/16',
  routerIds: '10.255.0.0/16',
  bfd: { enabled: true, interval: 100, multiplier: 3 } satisfies BfdOptions,
  keepalive: 3,
  hold: 9,
  health: { interval: 200, failures: 3, holdDown: 2000 },
  /** Transits prefer routes from customers (Gao-Rexford); see RoleSpec.topology.prefersCustomers. */
  customerLocalPref: 200,
  localPref: 100,
} as const;

/** Link networks are /29: Docker's bridge takes .1, the two routers .2 and .3. */
const LINK_BITS = 29;
const LAN_BITS = 24;

type Issue = (path: FieldPath, message: string, key?: string) => void;
type RawLink = LabFile['links'][number];
type RawEnd = Exclude<RawLinkEnd, string>;

/** Routers whose AS is declared: the only ones later sections look at. */
interface RouterIndex {
  role: Map<string, RouterRole>;
  asn: Map<string, number>;
  /** Every node name claimed so far, with the path that claimed it. */
  names: Map<string, FieldPath>;
}

interface SessionDefaults {
  bfd: BfdOptions;
  keepalive: number;
  hold: number;
}

interface Pools {
  links: Cidr;
  lans: Cidr;
  routerIds: Cidr;
}

type Anycast = AnycastService & { net: Cidr };

/** What resolve cannot know from topology/ alone (the layers above pass it in). */
export interface ResolveOptions {
  /** Fault modes registered in src/fault/, for `verify[].fault.mode`. */
  faultModes?: readonly string[];
}

export function resolveLab(raw: LabFile, file: string, opts: ResolveOptions = {}): ResolveResult {
  const issues: PathIssue[] = [];
  const issue: Issue = (path, message, key) => issues.push({ path, message, key });

  const families = resolveFamilies(raw, issue);
  const anycast = resolveAnycast(raw, issue);
  const ipv6 = resolveIpv6Settings(raw, families, issue);
  const ases = resolveAses(raw, issue);
  const index = resolveRouterRoles(raw, ases, issue);
  checkSharedAses(raw, ases, issue);
  checkRequiredRoles(index, issue);
  const sessions = resolveSessionDefaults(raw, issue);
  const pools = resolvePools(raw, anycast, issue);
  const explicitSubnets = checkLinkSubnets(raw, anycast, pools, issue);
  const { links, linked } = resolveLinks(raw, { index, sessions, pools, explicitSubnets }, issue);
  // Only worth saying when nothing else is wrong: a broken link leaves its routers unlinked too.
  checkEveryRouterLinked(raw, index, linked, () => issues.length > 0, issue);
  const { clients, lans } = resolveClients(raw, index, pools, explicitSubnets, issue);
  const routers = resolveRouters(raw, index, pools, issue);
  const health = { ...DEFAULTS.health, ...raw.health };
  const collector = resolveCollector(
    raw.collector,
    {
      routers,
      timers: { keepalive: sessions.keepalive, hold: sessions.hold },
      names: new Set([...index.names.keys(), ...clients.map((c) => c.name)]),
      taken: [
        { what: 'the links pool', net: pools.links },
        { what: 'the lans pool', net: pools.lans },
        { what: 'the routerIds pool', net: pools.routerIds },
        { what: 'the anycast prefix', net: anycast.net },
      ],
    },
    issue,
  );
  const pops = routers.filter((r) => roleSpec(r.role).topology.servesAnycast).map((r) => r.name);
  checkExpect6(raw, new Set(pops), `${manyOf(rolesWhere((t) => t.servesAnycast))} (${pops.join(', ') || 'none'})`, issue);
  const verify = resolveVerify(raw.verify, { pops, clients: clients.map((c) => c.name), faultModes: opts.faultModes }, issue);

  if (issues.length) return { ok: false, issues };
  const { net: _net, ...service } = anycast;
  const ipv4Lab: Lab = {
    name: raw.name,
    file,
    families: ['ipv4'],
    anycast: service,
    health,
    routers,
    clients,
    links,
    lans,
    ...(collector ? { collector } : {}),
    ...(verify ? { verify } : {}),
  };
  const lab = ipv6 ? addIpv6(raw, ipv4Lab, ipv6, issue) : ipv4Lab;
  checkExpectationsReachable(raw, lab, issue);
  return issues.length ? { ok: false, issues } : { ok: true, lab };
}

// --- anycast service

function resolveAnycast(raw: LabFile, issue: Issue): Anycast {
  const prefix = raw.anycast?.prefix ?? DEFAULTS.prefix;
  const net = parseCidr(prefix);
  const dns = raw.anycast?.dns ?? DEFAULTS.dns;
  const http = raw.anycast?.http ?? DEFAULTS.http;
  if (net.bits > 24)
    issue(['anycast', 'prefix'], `anycast prefix ${prefix} is longer than /24: transits filter anything longer than /24, so it would not propagate`);
  for (const [field, addr] of [
    ['dns', dns],
    ['http', http],
  ] as const) {
    if (!contains(net, addr)) issue(['anycast', field], `service address ${addr} is outside the anycast prefix ${prefix}`);
    else if (toInt(addr) === net.base) issue(['anycast', field], `service address ${addr} is the network address of ${prefix}; pick a host address`);
  }
  const zone = raw.anycast?.zone ?? DEFAULTS.zone;
  const records: Record<string, string> = {};
  for (const [name, addr] of Object.entries(raw.anycast?.records ?? {})) {
    const fq = name.endsWith('.') ? name : `${name}.`;
    if (!(fq === zone || fq.endsWith(`.${zone}`))) issue(['anycast', 'records'], `record "${name}" is outside the zone "${zone}"`, name);
    records[fq.toLowerCase()] = addr;
  }
  const nameservers = resolveNameservers(raw, { zone, records, dns, prefix, net }, issue);
  const rawSoa = raw.anycast?.soa ?? {};
  const soa = defaultSoa(zone, nameservers, {
    ...rawSoa,
    ...(rawSoa.mname ? { mname: rawSoa.mname.toLowerCase() } : {}),
    ...(rawSoa.rname ? { rname: rawSoa.rname.toLowerCase() } : {}),
  });
  // RFC 1912 §2.2 and Zonemaster ZONE03/ZONE05: retrying as often as refreshing, or expiring before a refresh, is a mistake.
  if (soa.retry >= soa.refresh) issue(['anycast', 'soa', 'retry'], `SOA retry ${soa.retry} s is not below refresh ${soa.refresh} s`);
  if (soa.expire < soa.refresh) issue(['anycast', 'soa', 'expire'], `SOA expire ${soa.expire} s is below refresh ${soa.refresh} s`);
  return { prefix, dnsAddress: dns, httpAddress: http, streamPort: raw.anycast?.streamPort ?? DEFAULTS.streamPort, zone, records, nameservers, soa, net };
}

/**
 * The apex NS RRset. Every name server must be answerable from inside the
 * lab: in the zone, with a record inside the anycast prefix (an address
 * elsewhere would send a resolver out of the lab, or nowhere). With none
 * named, `ns.<zone>` at the DNS address is added when no record is there.
 */
function resolveNameservers(
  raw: LabFile,
  a: { zone: string; records: Record<string, string>; dns: string; prefix: string; net: Cidr },
  issue: Issue,
): string[] {
  const named = raw.anycast?.nameservers;
  if (!named) {
    const nameservers = defaultNameservers(a.zone, a.records, a.dns);
    const ns = nameservers[0];
    if (a.records[ns] === undefined) a.records[ns] = a.dns;
    else if (a.records[ns] !== a.dns)
      issue(
        ['anycast', 'records'],
        `no record is at the DNS address ${a.dns}, and "${ns}" (the default name server) is at ${a.records[ns]}: point it at ${a.dns} or list anycast.nameservers`,
        ns,
      );
    return nameservers;
  }
  const nameservers = named.map((n) => n.toLowerCase());
  nameservers.forEach((ns, i) => {
    const addr = a.records[ns];
    if (!(ns === a.zone || ns.endsWith(`.${a.zone}`)))
      issue(['anycast', 'nameservers', i], `name server "${ns}" is outside the zone "${a.zone}": its address would be looked up outside the lab`);
    else if (addr === undefined)
      issue(['anycast', 'nameservers', i], `name server "${ns}" has no address: add it to anycast.records with an address inside ${a.prefix}, e.g. ${a.dns}`);
    else if (!contains(a.net, addr)) issue(['anycast', 'nameservers', i], `name server "${ns}" is at ${addr}, outside the anycast prefix ${a.prefix}`);
  });
  return nameservers;
}

// --- ASes and routers

function resolveAses(raw: LabFile, issue: Issue): Map<number, { name: string; role: RouterRole }> {
  const ases = new Map<number, { name: string; role: RouterRole }>();
  raw.ases.forEach((as, i) => {
    if (ases.has(as.asn)) issue(['ases', i, 'asn'], `duplicate AS ${as.asn}: each AS is declared once`);
    else ases.set(as.asn, { name: as.name, role: as.role });
  });
  return ases;
}

function claimName(names: Map<string, FieldPath>, name: string, path: FieldPath, issue: Issue): void {
  const prev = names.get(name);
  if (prev) issue(path, `duplicate node name "${name}" (already used at ${formatPath(prev)})`);
  else names.set(name, path);
}

/** Each router's role comes from its AS; fields of other roles are refused. */
function resolveRouterRoles(raw: LabFile, ases: Map<number, { role: RouterRole }>, issue: Issue): RouterIndex {
  const index: RouterIndex = { role: new Map(), asn: new Map(), names: new Map() };
  const roleFields = Object.keys(roleRouterFields());
  for (const [i, r] of raw.routers.entries()) {
    claimName(index.names, r.name, ['routers', i, 'name'], issue);
    const as = ases.get(r.asn);
    if (!as) {
      issue(['routers', i, 'asn'], `AS ${r.asn} is not declared under "ases" (declared: ${[...ases.keys()].join(', ') || 'none'})`);
      continue;
    }
    index.role.set(r.name, as.role);
    index.asn.set(r.name, r.asn);
    const own = roleSpec(as.role).topology.routerFields;
    for (const field of roleFields) {
      if ((r as RawRouter)[field] === undefined || Object.hasOwn(own, field)) continue;
      issue(
        ['routers', i, field],
        `"${field}" is only meaningful on ${rolesWithRouterField(field)
          .map((s) => s.title.many)
          .join(' and ')}; ${r.name} is a ${as.role}`,
      );
    }
  }
  return index;
}

/** Several routers in one AS would need iBGP, which the lab does not model, unless the role never peers within its AS. */
function checkSharedAses(raw: LabFile, ases: Map<number, { role: RouterRole }>, issue: Issue): void {
  const members = new Map<number, string[]>();
  for (const r of raw.routers) if (ases.has(r.asn)) members.set(r.asn, [...(members.get(r.asn) ?? []), r.name]);
  const sharers = rolesWhere((t) => t.sharesAs)
    .map((s) => s.title.one)
    .join(' or ');
  for (const [asn, names] of members) {
    const role = ases.get(asn)!.role;
    if (roleSpec(role).topology.sharesAs || names.length < 2) continue;
    const i = raw.routers.findIndex((r) => r.name === names[1]);
    issue(['routers', i, 'asn'], `AS ${asn} (${role}) has several routers (${names.join(', ')}); only ${sharers} ASes may, since iBGP is not modelled`);
  }
}

function checkRequiredRoles(index: RouterIndex, issue: Issue): void {
  const present = new Set(index.role.values());
  for (const spec of rolesWhere((t) => t.required !== null)) {
    if (!present.has(spec.name as RouterRole))
      issue(['routers'], `no ${spec.title.one}: at least one router must be in an AS with role "${spec.name}" ${spec.topology.required}`);
  }
}

function resolveRouters(raw: LabFile, index: RouterIndex, pools: Pools, issue: Issue): Router[] {
  const ids = allocateRouterIds(raw, index, pools);
  const routers: Router[] = [];
  const seenIds = new Map<string, number>();
  for (const [i, r] of raw.routers.entries()) {
    const role = index.role.get(r.name);
    if (!role) continue;
    const routerId = r.routerId ?? ids.get(r.name);
    if (!routerId) {
      issue(['addressing', 'routerIds'], `routerIds pool ${formatCidr(pools.routerIds)} is exhausted`);
      continue;
    }
    if (seenIds.has(routerId)) issue(['routers', i, 'routerId'], `router-id ${routerId} is already used by routers[${seenIds.get(routerId)}]`);
    seenIds.set(routerId, i);
    routers.push({ kind: 'router', name: r.name, role, asn: r.asn, routerId, location: r.location ?? '', ...roleSpec(role).topology.router(r) });
  }
  return routers;
}

/** Router IDs by name (see KeyedAllocator), clear of the pool's network and broadcast address and of IDs the file sets. */
function allocateRouterIds(raw: LabFile, index: RouterIndex, pools: Pools): Map<string, string> {
  const explicit = raw.routers.flatMap((r) => (r.routerId ? [{ base: toInt(r.routerId), bits: 32 }] : []));
  const alloc = new KeyedAllocator(pools.routerIds, 32, explicit, (slot, slots) => slot === 0 || slot === slots - 1);
  const out = new Map<string, string>();
  for (const name of raw.routers
    .filter((r) => !r.routerId && index.role.has(r.name))
    .map((r) => r.name)
    .sort()) {
    const id = alloc.allocate(name);
    if (id) out.set(name, hostAt(id, 0));
  }
  return out;
}

// --- session defaults and address pools

function resolveSessionDefaults(raw: LabFile, issue: Issue): SessionDefaults {
  const keepalive = raw.bgp?.keepalive ?? DEFAULTS.keepalive;
  const hold = raw.bgp?.hold ?? DEFAULTS.hold;
  checkTimers(['bgp'], keepalive, hold, raw.bgp?.keepalive === undefined, issue);
  return { bfd: mergeBfd(DEFAULTS.bfd, raw.bgp?.bfd), keepalive, hold };
}

function resolvePools(raw: LabFile, anycast: Anycast, issue: Issue): Pools {
  const pools: Pools = {
    links: parseCidr(raw.addressing?.links ?? DEFAULTS.links),
    lans: parseCidr(raw.addressing?.lans ?? DEFAULTS.lans),
    routerIds: parseCidr(raw.addressing?.routerIds ?? DEFAULTS.routerIds),
  };
  if (overlaps(pools.links, pools.lans)) issue(['addressing', 'lans'], `lans pool ${formatCidr(pools.lans)} overlaps links pool ${formatCidr(pools.links)}`);
  for (const [field, pool, bits] of [
    ['links', pools.links, LINK_BITS],
    ['lans', pools.lans, LAN_BITS],
  ] as const) {
    if (overlaps(pool, anycast.net)) issue(['addressing', field], `${field} pool ${formatCidr(pool)} overlaps the anycast prefix ${anycast.prefix}`);
    if (pool.bits > bits) issue(['addressing', field], `${field} pool ${formatCidr(pool)} is smaller than one /${bits}`);
  }
  return pools;
}

// --- links

/** Subnets the file sets on links: checked here, and kept out of both allocators. */
function checkLinkSubnets(raw: LabFile, anycast: Anycast, pools: Pools, issue: Issue): { cidr: Cidr; path: FieldPath }[] {
  const explicit: { cidr: Cidr; path: FieldPath }[] = [];
  raw.links.forEach((l, i) => {
    if (!l.subnet) return;
    const cidr = parseCidr(l.subnet);
    if (cidr.bits > LINK_BITS)
      issue(['links', i, 'subnet'], `subnet ${l.subnet} is too small: a link needs a /29 or larger (Docker's bridge takes one address, each router one)`);
    const clash = explicit.find((s) => overlaps(s.cidr, cidr));
    if (clash) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps ${formatCidr(clash.cidr)} of ${formatPath(clash.path)}`);
    if (overlaps(cidr, anycast.net)) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps the anycast prefix ${anycast.prefix}`);
    if (overlaps(cidr, pools.lans)) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps the lans pool ${formatCidr(pools.lans)}`);
    explicit.push({ cidr, path: ['links', i, 'subnet'] });
  });
  return explicit;
}

interface LinkContext {
  index: RouterIndex;
  sessions: SessionDefaults;
  pools: Pools;
  explicitSubnets: { cidr: Cidr }[];
}

function resolveLinks(raw: LabFile, ctx: LinkContext, issue: Issue): { links: Link[]; linked: Set<string> } {
  const pairSeen = new Map<string, number>();
  const clientNames = new Set(raw.clients.map((c) => c.name));
  const checked = raw.links.flatMap((l, i) => {
    const ends = checkLinkEnds(l, i, ctx.index, clientNames, pairSeen, issue);
    return ends ? [{ l, i, ends }] : [];
  });
  const subnets = allocateLinkSubnets(
    checked.map(({ l, ends }) => ({ key: linkKey(ends[0].node, ends[1].node), explicit: l.subnet })),
    ctx,
  );
  const links: Link[] = [];
  const linked = new Set<string>();
  for (const { l, i, ends } of checked) {
    const [a, b] = ends;
    const subnet = subnets.get(linkKey(a.node, b.node));
    if (!subnet) {
      issue(['addressing', 'links'], `links pool ${formatCidr(ctx.pools.links)} is exhausted at links[${i}]: use a larger pool`);
      continue;
    }
    const bfd = mergeBfd(ctx.sessions.bfd, l.bfd);
    const keepalive = l.keepalive ?? ctx.sessions.keepalive;
    const hold = l.hold ?? ctx.sessions.hold;
    if (l.keepalive !== undefined || l.hold !== undefined) checkTimers(['links', i], keepalive, hold, l.keepalive === undefined, issue);
    const roleOf = (e: RawEnd) => ctx.index.role.get(e.node)!;
    const endA = resolveLinkEnd(a, subnet, 2, ['links', i, 'a'], roleOf(a), roleOf(b), issue);
    const endB = resolveLinkEnd(b, subnet, 3, ['links', i, 'b'], roleOf(b), roleOf(a), issue);
    if (endA.address === endB.address) issue(['links', i, 'b', 'address'], `both ends of the link use ${endA.address}`);
    linked.add(a.node).add(b.node);
    links.push({
      name: `${a.node}--${b.node}`,
      subnet: formatCidr(subnet),
      gateway: hostAt(subnet, 1),
      a: endA,
      b: endB,
      bfd,
      timers: { keepalive, hold },
      ...(l.delay ? { delayMs: l.delay } : {}),
    });
  }
  return { links, linked };
}

/** A link is known by its two routers, whichever is `a`: swapping the ends moves nothing. */
const linkKey = (a: string, b: string): string => [a, b].sort().join('--');

/**
 * Link subnets by key (see KeyedAllocator): a link keeps its /29 when links
 * or routers are added, removed or reordered anywhere in the file, so a live
 * edit changes only the routers it touches. Positional allocation (the n-th
 * link gets the n-th /29) shifted every link after an inserted one, and with
 * the addresses every neighbour statement: one new PoP reconfigured the
 * whole lab. A subnet set in the file is used as is and kept out of the pool.
 */
function allocateLinkSubnets(links: { key: string; explicit?: string }[], ctx: LinkContext): Map<string, Cidr> {
  const alloc = new KeyedAllocator(
    ctx.pools.links,
    LINK_BITS,
    ctx.explicitSubnets.map((s) => s.cidr),
  );
  const out = new Map<string, Cidr>();
  for (const { key, explicit } of links) if (explicit) out.set(key, parseCidr(explicit));
  for (const key of links
    .filter((l) => !l.explicit)
    .map((l) => l.key)
    .sort()) {
    const subnet = alloc.allocate(key);
    if (subnet) out.set(key, subnet);
  }
  return out;
}

/** Both ends name distinct known routers in different ASes, the pair is new, and the roles may peer. */
function checkLinkEnds(
  l: RawLink,
  i: number,
  index: RouterIndex,
  clientNames: Set<string>,
  pairSeen: Map<string, number>,
  issue: Issue,
): [RawEnd, RawEnd] | undefined {
  const a = endOf(l.a);
  const b = endOf(l.b);
  let ok = true;
  for (const [side, end] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (index.role.has(end.node)) continue;
    ok = false;
    const path = typeof l[side] === 'string' ? ['links', i, side] : ['links', i, side, 'node'];
    const hint =
      index.names.has(end.node) || clientNames.has(end.node)
        ? ' (it is not a router; clients attach with clients[].eyeball)'
        : ` (routers: ${[...index.role.keys()].join(', ')})`;
    issue(path, `unknown router "${end.node}"${hint}`);
  }
  if (!ok) return undefined;
  if (a.node === b.node)
    return void issue(typeof l.b === 'string' ? ['links', i, 'b'] : ['links', i, 'b', 'node'], `link connects ${a.node} to itself: b must be another router`);
  const key = [a.node, b.node].sort().join('|');
  if (pairSeen.has(key)) return void issue(['links', i], `duplicate link ${a.node} -- ${b.node} (also links[${pairSeen.get(key)}])`);
  pairSeen.set(key, i);
  const asnA = index.asn.get(a.node)!;
  if (asnA === index.asn.get(b.node))
    return void issue(['links', i], `${a.node} and ${b.node} are both in AS ${asnA}: links are eBGP sessions, iBGP is not modelled`);
  const role = index.role.get(a.node)!;
  const why = roleSpec(role).topology.noSameRoleLink;
  if (role === index.role.get(b.node) && why !== null) return void issue(['links', i], `${a.node} and ${b.node} are both ${roleSpec(role).title.many}: ${why}`);
  return [a, b];
}

function resolveLinkEnd(end: RawEnd, subnet: Cidr, hostIndex: number, path: FieldPath, role: RouterRole, otherRole: RouterRole, issue: Issue): LinkEnd {
  const address = end.address ?? hostAt(subnet, hostIndex);
  if (end.address) {
    const n = toInt(end.address);
    const reserved = n === subnet.base || n === subnet.base + 1 || n === subnet.base + 2 ** (32 - subnet.bits) - 1;
    if (!contains(subnet, end.address) || reserved)
      issue([...path, 'address'], `address ${end.address} must be a usable host of ${formatCidr(subnet)} other than .1 (Docker's bridge)`);
  }
  const customer = roleSpec(role).topology.prefersCustomers && roleSpec(otherRole).topology.buysTransit;
  const localPref = end.localPref ?? (customer ? DEFAULTS.customerLocalPref : DEFAULTS.localPref);
  return {
    node: end.node,
    address,
    localPref,
    prepend: end.prepend ?? 0,
    ...(end.med !== undefined ? { med: end.med } : {}),
    ...(end.remoteAs !== undefined ? { remoteAs: end.remoteAs } : {}),
  };
}

function checkEveryRouterLinked(raw: LabFile, index: RouterIndex, linked: Set<string>, hasIssues: () => boolean, issue: Issue): void {
  raw.routers.forEach((r, i) => {
    if (index.role.has(r.name) && !linked.has(r.name) && !hasIssues()) issue(['routers', i, 'name'], `router ${r.name} has no link: add one under "links"`);
  });
}

// --- clients and LANs

function resolveClients(raw: LabFile, index: RouterIndex, pools: Pools, explicitSubnets: { cidr: Cidr }[], issue: Issue): { clients: Client[]; lans: Lan[] } {
  const lanSubnets = allocateLans(raw, index, pools, explicitSubnets);
  const hostsOf = allocateClientHosts(raw);
  const lans = new Map<string, Lan>();
  const clients: Client[] = [];
  const hosts = rolesWhere((t) => t.hostsClients);
  const servers = rolesWhere((t) => t.servesAnycast);
  const routersOf = (specs: RoleSpec[]) => [...index.role].filter(([, role]) => specs.some((s) => s.name === role)).map(([n]) => n);
  const serving = new Set(routersOf(servers));
  for (const [i, c] of raw.clients.entries()) {
    claimName(index.names, c.name, ['clients', i, 'name'], issue);
    const role = index.role.get(c.eyeball);
    if (role === undefined) {
      issue(['clients', i, 'eyeball'], `unknown router "${c.eyeball}" (${manyOf(hosts)}: ${routersOf(hosts).join(', ') || 'none'})`);
      continue;
    }
    if (!roleSpec(role).topology.hostsClients) {
      issue(
        ['clients', i, 'eyeball'],
        `${c.eyeball} is a ${role}, not ${hosts.map((s) => s.title.a).join(' or ')}: clients sit behind ${hosts.map((s) => s.title.one).join(' or ')} routers`,
      );
      continue;
    }
    let lan = lans.get(c.eyeball);
    if (!lan) {
      const subnet = lanSubnets.get(c.eyeball);
      if (!subnet) {
        issue(['addressing', 'lans'], `lans pool ${formatCidr(pools.lans)} is exhausted at clients[${i}]: use a larger pool`);
        continue;
      }
      lan = {
        name: `lan-${c.eyeball}`,
        eyeball: c.eyeball,
        subnet: formatCidr(subnet),
        gateway: hostAt(subnet, 1),
        routerAddress: hostAt(subnet, 2),
        clients: [],
      };
      lans.set(c.eyeball, lan);
    }
    const subnet = parseCidr(lan.subnet);
    const address = c.address ?? hostAt(subnet, hostsOf.get(c.name) ?? 0);
    if (c.address && (!contains(subnet, c.address) || toInt(c.address) - subnet.base < 3))
      issue(['clients', i, 'address'], `address ${c.address} must be in ${lan.subnet} and above .2 (.1 is Docker's bridge, .2 the eyeball router)`);
    lan.clients.push(c.name);
    if (c.expect) {
      for (const f of ['pop', 'backup'] as const) {
        const v = c.expect[f];
        if (v !== undefined && !serving.has(v))
          issue(
            ['clients', i, 'expect', f],
            `"${v}" is not ${servers.map((s) => s.title.a).join(' or ')} (${manyOf(servers)}: ${[...serving].join(', ') || 'none'})`,
          );
      }
      if (c.expect.backup && c.expect.backup === c.expect.pop) issue(['clients', i, 'expect', 'backup'], 'backup PoP must differ from the primary');
    }
    clients.push({
      kind: 'client',
      name: c.name,
      role: 'client',
      eyeball: c.eyeball,
      lan: lan.subnet,
      address,
      gateway: lan.routerAddress,
      location: c.location ?? '',
      ...(c.expect ? { expect: { pop: c.expect.pop, ...(c.expect.backup ? { backup: c.expect.backup } : {}) } } : {}),
    });
  }
  return { clients, lans: [...lans.values()] };
}

/**
 * One /24 per eyeball with clients, by the eyeball's name (see
 * KeyedAllocator). A client address set in the file pins its LAN: the /24
 * holding it (how a lab file keeps the LANs it had before allocation was by
 * name; labs/default.yaml does).
 */
function allocateLans(raw: LabFile, index: RouterIndex, pools: Pools, explicitSubnets: { cidr: Cidr }[]): Map<string, Cidr> {
  const eyeballs = [...new Set(raw.clients.map((c) => c.eyeball).filter((e) => index.role.has(e)))].sort();
  const out = new Map<string, Cidr>();
  for (const e of eyeballs) {
    const pin = raw.clients.find((c) => c.eyeball === e && c.address && contains(pools.lans, c.address))?.address;
    if (pin) out.set(e, { base: (toInt(pin) & mask(LAN_BITS)) >>> 0, bits: LAN_BITS });
  }
  const alloc = new KeyedAllocator(pools.lans, LAN_BITS, [...explicitSubnets.map((s) => s.cidr), ...out.values()]);
  for (const e of eyeballs.filter((x) => !out.has(x))) {
    const subnet = alloc.allocate(e);
    if (subnet) out.set(e, subnet);
  }
  return out;
}

/** First host a client may get: .1 is Docker's bridge, .2 the eyeball router, a few kept free. */
const FIRST_CLIENT_HOST = 10;

/**
 * Each client's host number in its LAN, by its name (see KeyedAllocator),
 * from .10 up, clear of addresses the file sets for that LAN's clients.
 */
function allocateClientHosts(raw: LabFile): Map<string, number> {
  const out = new Map<string, number>();
  const span = 2 ** (32 - LAN_BITS) - FIRST_CLIENT_HOST - 1;
  for (const eyeball of new Set(raw.clients.map((c) => c.eyeball))) {
    const mine = raw.clients.filter((c) => c.eyeball === eyeball);
    const taken = new Set(mine.flatMap((c) => (c.address ? [toInt(c.address) & 0xff] : [])));
    for (const name of mine
      .filter((c) => !c.address)
      .map((c) => c.name)
      .sort()) {
      const start = nameHash(name) % span;
      for (let i = 0; i < span; i++) {
        const host = FIRST_CLIENT_HOST + ((start + i) % span);
        if (taken.has(host)) continue;
        taken.add(host);
        out.set(name, host);
        break;
      }
    }
  }
  return out;
}

/**
 * A client can only be answered by a PoP whose announcement reaches its
 * eyeball and whose routes reach back to its LAN; an expectation that no
 * path can meet would only show as a convergence timeout after `up` had
 * changed the lab. Checked on the resolved lab (the policy is the roles').
 */
function checkExpectationsReachable(raw: LabFile, lab: Lab, issue: Issue): void {
  for (const u of unreachableExpectations(lab)) {
    const i = raw.clients.findIndex((c) => c.name === u.client);
    issue(['clients', i, u.expect, u.field], `${u.pop} cannot answer ${u.client}: ${u.why}; link ${u.pop} to a transit, or expect another PoP`);
  }
}

// --- helpers

const rolesWhere = (pred: (t: RoleSpec['topology']) => boolean): RoleSpec[] => ROLE_NAMES.map(roleSpec).filter((s) => pred(s.topology));

const manyOf = (specs: RoleSpec[]): string => specs.map((s) => s.title.many).join(' or ');

function endOf(e: RawLinkEnd): RawEnd {
  return typeof e === 'string' ? { node: e } : e;
}

function mergeBfd(base: BfdOptions, over: RawBfd | undefined): BfdOptions {
  if (over === undefined) return { ...base };
  if (typeof over === 'boolean') return { ...base, enabled: over };
  return { enabled: over.enabled ?? true, interval: over.interval ?? base.interval, multiplier: over.multiplier ?? base.multiplier };
}

/** `blameHold`: the keepalive was inherited, so the hold set here is what to change. */
function checkTimers(path: FieldPath, keepalive: number, hold: number, blameHold: boolean, issue: Issue) {
  // RFC 4271 §4.2: hold is 0 or at least 3 s; a keepalive at or above hold would expire the session.
  if (hold !== 0 && hold < 3) issue([...path, 'hold'], `hold time ${hold} s is invalid: RFC 4271 allows 0 or at least 3 s`);
  else if (hold !== 0 && keepalive >= hold)
    issue([...path, blameHold ? 'hold' : 'keepalive'], `keepalive ${keepalive} s must be below the hold time ${hold} s (usually hold / 3)`);
}
