// Raw lab file → resolved Lab: references checked, defaults applied,
// addresses allocated. Pure; every issue carries the path of its field.
import type { BfdOptions, Client, Lab, Lan, Link, LinkEnd, Router, RouterRole } from './model.js';
import type { LabFile, RawBfd, RawLinkEnd } from './schema.js';
import { formatPath } from './field-path.js';
import { contains, formatCidr, hostAt, overlaps, parseCidr, SubnetAllocator, toInt, type Cidr } from './ipv4.js';

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
  /** Transits and PoPs prefer routes from customers (Gao-Rexford). */
  customerLocalPref: 200,
  localPref: 100,
} as const;

/** Link networks are /29: Docker's bridge takes .1, the two routers .2 and .3. */
const LINK_BITS = 29;
const LAN_BITS = 24;

export function resolveLab(raw: LabFile, file: string): ResolveResult {
  const issues: PathIssue[] = [];
  const issue = (path: PathIssue['path'], message: string, key?: string) => issues.push({ path, message, key });

  // --- anycast service
  const prefix = raw.anycast?.prefix ?? DEFAULTS.prefix;
  const prefixNet = parseCidr(prefix);
  const dns = raw.anycast?.dns ?? DEFAULTS.dns;
  const http = raw.anycast?.http ?? DEFAULTS.http;
  if (prefixNet.bits > 24) issue(['anycast', 'prefix'], `anycast prefix ${prefix} is longer than /24: transits filter anything longer than /24, so it would not propagate`);
  for (const [field, addr] of [['dns', dns], ['http', http]] as const) {
    if (!contains(prefixNet, addr)) issue(['anycast', field], `service address ${addr} is outside the anycast prefix ${prefix}`);
    else if (toInt(addr) === prefixNet.base) issue(['anycast', field], `service address ${addr} is the network address of ${prefix}; pick a host address`);
  }
  const zone = raw.anycast?.zone ?? DEFAULTS.zone;
  const records: Record<string, string> = {};
  for (const [name, addr] of Object.entries(raw.anycast?.records ?? {})) {
    const fq = name.endsWith('.') ? name : `${name}.`;
    if (!(fq === zone || fq.endsWith(`.${zone}`))) issue(['anycast', 'records'], `record "${name}" is outside the zone "${zone}"`, name);
    records[fq.toLowerCase()] = addr;
  }

  // --- ASes
  const asByNumber = new Map<number, { name: string; role: RouterRole }>();
  raw.ases.forEach((as, i) => {
    if (asByNumber.has(as.asn)) issue(['ases', i, 'asn'], `duplicate AS ${as.asn}: each AS is declared once`);
    else asByNumber.set(as.asn, { name: as.name, role: as.role });
  });

  // --- routers
  const names = new Map<string, (string | number)[]>();
  const claimName = (name: string, path: (string | number)[]) => {
    const prev = names.get(name);
    if (prev) issue(path, `duplicate node name "${name}" (already used at ${formatPath(prev)})`);
    else names.set(name, path);
  };
  const routerRole = new Map<string, RouterRole>();
  const routerAsn = new Map<string, number>();
  const routersPerAs = new Map<number, string[]>();
  raw.routers.forEach((r, i) => {
    claimName(r.name, ['routers', i, 'name']);
    const as = asByNumber.get(r.asn);
    if (!as) {
      issue(['routers', i, 'asn'], `AS ${r.asn} is not declared under "ases" (declared: ${[...asByNumber.keys()].join(', ') || 'none'})`);
      return;
    }
    routerRole.set(r.name, as.role);
    routerAsn.set(r.name, r.asn);
    routersPerAs.set(r.asn, [...(routersPerAs.get(r.asn) ?? []), r.name]);
    if (r.colo && as.role !== 'pop') issue(['routers', i, 'colo'], `"colo" is only meaningful on PoPs; ${r.name} is a ${as.role}`);
  });
  for (const [asnNum, members] of routersPerAs) {
    const as = asByNumber.get(asnNum)!;
    // PoPs of one operator share an ASN and never peer with each other; any
    // other AS with several routers would need iBGP, which the lab does not model.
    if (as.role !== 'pop' && members.length > 1) {
      const i = raw.routers.findIndex((r) => r.name === members[1]);
      issue(['routers', i, 'asn'], `AS ${asnNum} (${as.role}) has several routers (${members.join(', ')}); only PoP ASes may, since iBGP is not modelled`);
    }
  }
  if (![...routerRole.values()].includes('pop')) issue(['routers'], 'no PoP: at least one router must be in an AS with role "pop" to announce the anycast prefix');

  // --- session defaults
  const bfdDefault = mergeBfd(DEFAULTS.bfd, raw.bgp?.bfd);
  const keepaliveDefault = raw.bgp?.keepalive ?? DEFAULTS.keepalive;
  const holdDefault = raw.bgp?.hold ?? DEFAULTS.hold;
  checkTimers(['bgp'], keepaliveDefault, holdDefault, raw.bgp?.keepalive === undefined, issue);

  // --- address pools
  const linkPool = parseCidr(raw.addressing?.links ?? DEFAULTS.links);
  const lanPool = parseCidr(raw.addressing?.lans ?? DEFAULTS.lans);
  const ridPool = parseCidr(raw.addressing?.routerIds ?? DEFAULTS.routerIds);
  const pools: [string, Cidr][] = [['links', linkPool], ['lans', lanPool]];
  if (overlaps(linkPool, lanPool)) issue(['addressing', 'lans'], `lans pool ${formatCidr(lanPool)} overlaps links pool ${formatCidr(linkPool)}`);
  for (const [field, pool] of pools) {
    if (overlaps(pool, prefixNet)) issue(['addressing', field], `${field} pool ${formatCidr(pool)} overlaps the anycast prefix ${prefix}`);
    if (pool.bits > (field === 'links' ? LINK_BITS : LAN_BITS)) issue(['addressing', field], `${field} pool ${formatCidr(pool)} is smaller than one /${field === 'links' ? LINK_BITS : LAN_BITS}`);
  }

  // --- links
  const explicitSubnets: { cidr: Cidr; path: (string | number)[] }[] = [];
  raw.links.forEach((l, i) => {
    if (!l.subnet) return;
    const cidr = parseCidr(l.subnet);
    if (cidr.bits > LINK_BITS) issue(['links', i, 'subnet'], `subnet ${l.subnet} is too small: a link needs a /29 or larger (Docker's bridge takes one address, each router one)`);
    const clash = explicitSubnets.find((s) => overlaps(s.cidr, cidr));
    if (clash) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps ${formatCidr(clash.cidr)} of ${formatPath(clash.path)}`);
    if (overlaps(cidr, prefixNet)) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps the anycast prefix ${prefix}`);
    if (overlaps(cidr, lanPool)) issue(['links', i, 'subnet'], `subnet ${l.subnet} overlaps the lans pool ${formatCidr(lanPool)}`);
    explicitSubnets.push({ cidr, path: ['links', i, 'subnet'] });
  });
  const linkAlloc = new SubnetAllocator(linkPool, LINK_BITS, explicitSubnets.map((s) => s.cidr));
  const links: Link[] = [];
  const pairSeen = new Map<string, number>();
  const linked = new Set<string>();
  const clientNames = new Set(raw.clients.map((c) => c.name));
  raw.links.forEach((l, i) => {
    const a = endOf(l.a);
    const b = endOf(l.b);
    let ok = true;
    for (const [side, end] of [['a', a], ['b', b]] as const) {
      if (!routerRole.has(end.node)) {
        ok = false;
        const path = typeof l[side] === 'string' ? ['links', i, side] : ['links', i, side, 'node'];
        const hint = names.has(end.node) || clientNames.has(end.node) ? ' (it is not a router; clients attach with clients[].eyeball)' : ` (routers: ${[...routerRole.keys()].join(', ')})`;
        issue(path, `unknown router "${end.node}"${hint}`);
      }
    }
    if (!ok) return;
    if (a.node === b.node) return issue(typeof l.b === 'string' ? ['links', i, 'b'] : ['links', i, 'b', 'node'], `link connects ${a.node} to itself: b must be another router`);
    const key = [a.node, b.node].sort().join('|');
    if (pairSeen.has(key)) return issue(['links', i], `duplicate link ${a.node} -- ${b.node} (also links[${pairSeen.get(key)}])`);
    pairSeen.set(key, i);
    const asnA = routerAsn.get(a.node)!;
    const asnB = routerAsn.get(b.node)!;
    if (asnA === asnB) return issue(['links', i], `${a.node} and ${b.node} are both in AS ${asnA}: links are eBGP sessions, iBGP is not modelled`);
    const roleA = routerRole.get(a.node)!;
    const roleB = routerRole.get(b.node)!;
    if (roleA === 'pop' && roleB === 'pop') return issue(['links', i], `${a.node} and ${b.node} are both PoPs: PoPs connect to transits or eyeballs`);
    if (roleA === 'eyeball' && roleB === 'eyeball') return issue(['links', i], `${a.node} and ${b.node} are both eyeballs: eyeballs buy transit and never carry the anycast prefix for each other`);

    const subnet = l.subnet ? parseCidr(l.subnet) : linkAlloc.allocate();
    if (!subnet) return issue(['addressing', 'links'], `links pool ${formatCidr(linkPool)} is exhausted at links[${i}]: use a larger pool`);
    const bfd = mergeBfd(bfdDefault, l.bfd);
    const keepalive = l.keepalive ?? keepaliveDefault;
    const hold = l.hold ?? holdDefault;
    if (l.keepalive !== undefined || l.hold !== undefined) checkTimers(['links', i], keepalive, hold, l.keepalive === undefined, issue);
    const end = (raw: RawLinkEnd, resolved: ReturnType<typeof endOf>, hostIndex: number, side: 'a' | 'b', otherRole: RouterRole): LinkEnd => {
      const address = resolved.address ?? hostAt(subnet, hostIndex);
      if (resolved.address) {
        const inSubnet = contains(subnet, resolved.address);
        const reserved = toInt(resolved.address) === subnet.base || toInt(resolved.address) === subnet.base + 1 || toInt(resolved.address) === subnet.base + 2 ** (32 - subnet.bits) - 1;
        if (!inSubnet || reserved) issue(['links', i, side, 'address'], `address ${resolved.address} must be a usable host of ${formatCidr(subnet)} other than .1 (Docker's bridge)`);
      }
      void raw;
      const customer = otherRole === 'pop' || otherRole === 'eyeball';
      const localPref = resolved.localPref ?? (routerRole.get(resolved.node) === 'transit' && customer ? DEFAULTS.customerLocalPref : DEFAULTS.localPref);
      return { node: resolved.node, address, localPref, prepend: resolved.prepend ?? 0, ...(resolved.med !== undefined ? { med: resolved.med } : {}), ...(resolved.remoteAs !== undefined ? { remoteAs: resolved.remoteAs } : {}) };
    };
    const endA = end(l.a, a, 2, 'a', roleB);
    const endB = end(l.b, b, 3, 'b', roleA);
    if (endA.address === endB.address) issue(['links', i, 'b', 'address'], `both ends of the link use ${endA.address}`);
    linked.add(a.node).add(b.node);
    links.push({ name: `${a.node}--${b.node}`, subnet: formatCidr(subnet), gateway: hostAt(subnet, 1), a: endA, b: endB, bfd, timers: { keepalive, hold }, ...(l.delay ? { delayMs: l.delay } : {}) });
  });
  raw.routers.forEach((r, i) => {
    if (routerRole.has(r.name) && !linked.has(r.name) && issues.length === 0) issue(['routers', i, 'name'], `router ${r.name} has no link: add one under "links"`);
  });

  // --- clients and LANs
  const lanAlloc = new SubnetAllocator(lanPool, LAN_BITS, explicitSubnets.map((s) => s.cidr));
  const lans = new Map<string, Lan>();
  const clients: Client[] = [];
  const pops = new Set([...routerRole].filter(([, role]) => role === 'pop').map(([n]) => n));
  raw.clients.forEach((c, i) => {
    claimName(c.name, ['clients', i, 'name']);
    const role = routerRole.get(c.eyeball);
    if (role === undefined) return issue(['clients', i, 'eyeball'], `unknown router "${c.eyeball}" (eyeballs: ${[...routerRole].filter(([, r]) => r === 'eyeball').map(([n]) => n).join(', ') || 'none'})`);
    if (role !== 'eyeball') return issue(['clients', i, 'eyeball'], `${c.eyeball} is a ${role}, not an eyeball: clients sit behind eyeball routers`);
    let lan = lans.get(c.eyeball);
    if (!lan) {
      const subnet = lanAlloc.allocate();
      if (!subnet) return issue(['addressing', 'lans'], `lans pool ${formatCidr(lanPool)} is exhausted at clients[${i}]: use a larger pool`);
      lan = { name: `lan-${c.eyeball}`, eyeball: c.eyeball, subnet: formatCidr(subnet), gateway: hostAt(subnet, 1), routerAddress: hostAt(subnet, 2), clients: [] };
      lans.set(c.eyeball, lan);
    }
    const subnet = parseCidr(lan.subnet);
    const address = c.address ?? hostAt(subnet, 10 + lan.clients.length);
    if (c.address && (!contains(subnet, c.address) || toInt(c.address) - subnet.base < 3)) issue(['clients', i, 'address'], `address ${c.address} must be in ${lan.subnet} and above .2 (.1 is Docker's bridge, .2 the eyeball router)`);
    lan.clients.push(c.name);
    if (c.expect) {
      for (const f of ['pop', 'backup'] as const) {
        const v = c.expect[f];
        if (v !== undefined && !pops.has(v)) issue(['clients', i, 'expect', f], `"${v}" is not a PoP (PoPs: ${[...pops].join(', ') || 'none'})`);
      }
      if (c.expect.backup && c.expect.backup === c.expect.pop) issue(['clients', i, 'expect', 'backup'], 'backup PoP must differ from the primary');
    }
    clients.push({ kind: 'client', name: c.name, role: 'client', eyeball: c.eyeball, lan: lan.subnet, address, gateway: lan.routerAddress, location: c.location ?? '', ...(c.expect ? { expect: { pop: c.expect.pop, ...(c.expect.backup ? { backup: c.expect.backup } : {}) } } : {}) });
  });

  // --- router ids
  const explicitIds = new Set(raw.routers.map((r) => r.routerId).filter(Boolean));
  let nextId = 1;
  const routers: Router[] = [];
  const seenIds = new Map<string, number>();
  raw.routers.forEach((r, i) => {
    const role = routerRole.get(r.name);
    if (!role) return;
    let routerId = r.routerId;
    if (!routerId) {
      do routerId = hostAt(ridPool, nextId++);
      while (explicitIds.has(routerId));
      if (!contains(ridPool, routerId)) return issue(['addressing', 'routerIds'], `routerIds pool ${formatCidr(ridPool)} is exhausted`);
    }
    if (seenIds.has(routerId)) issue(['routers', i, 'routerId'], `router-id ${routerId} is already used by routers[${seenIds.get(routerId)}]`);
    seenIds.set(routerId, i);
    routers.push({ kind: 'router', name: r.name, role, asn: r.asn, routerId, location: r.location ?? '', ...(role === 'pop' ? { colo: r.colo ?? r.name.toUpperCase().slice(0, 6) } : {}) });
  });

  const health = { ...DEFAULTS.health, ...raw.health };
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    lab: {
      name: raw.name,
      file,
      anycast: { prefix, dnsAddress: dns, httpAddress: http, streamPort: raw.anycast?.streamPort ?? DEFAULTS.streamPort, zone, records },
      health,
      routers,
      clients,
      links,
      lans: [...lans.values()],
    },
  };
}

function endOf(e: RawLinkEnd): { node: string; address?: string; localPref?: number; prepend?: number; med?: number; remoteAs?: number } {
  return typeof e === 'string' ? { node: e } : e;
}

function mergeBfd(base: BfdOptions, over: RawBfd | undefined): BfdOptions {
  if (over === undefined) return { ...base };
  if (typeof over === 'boolean') return { ...base, enabled: over };
  return { enabled: over.enabled ?? true, interval: over.interval ?? base.interval, multiplier: over.multiplier ?? base.multiplier };
}

/** `blameHold`: the keepalive was inherited, so the hold set here is what to change. */
function checkTimers(path: (string | number)[], keepalive: number, hold: number, blameHold: boolean, issue: (p: (string | number)[], m: string) => void) {
  // RFC 4271 §4.2: hold is 0 or at least 3 s; a keepalive at or above hold would expire the session.
  if (hold !== 0 && hold < 3) issue([...path, 'hold'], `hold time ${hold} s is invalid: RFC 4271 allows 0 or at least 3 s`);
  else if (hold !== 0 && keepalive >= hold) issue([...path, blameHold ? 'hold' : 'keepalive'], `keepalive ${keepalive} s must be below the hold time ${hold} s (usually hold / 3)`);
}

