// The IPv6 half of resolve (families: [ipv4, ipv6]). Pure, in two steps like
// the rest of resolve.ts: `resolveIpv6Settings` checks the lab file's IPv6
// fields where they sit (the /48, its addresses and records, the pools),
// `addIpv6` hangs the allocated IPv6 parts on the IPv4 lab once that is
// resolved, so a lab without ipv6 resolves to exactly the lab it always did.
// A /64 is allocated by name, like the IPv4 /29s and /24s: a link by its two
// routers, a LAN by its eyeball, the collector LAN by the collector's name.
import { type FieldPath, formatPath } from './field-path.js';
import { parseCidr, toInt } from './ipv4.js';
import {
  type Cidr6,
  canonical6,
  contains6,
  DOCUMENTATION6,
  formatCidr6,
  hostAt6,
  KeyedAllocator6,
  mirrorHost6,
  overlaps6,
  parseCidr6,
  toBig6,
  ULA6,
  within6,
} from './ipv6.js';
import type { AnycastService6, Family, Lab, Link, LinkEnd } from './model.js';
import { collectorIpv6 } from './roles/collector.js';
import type { LabFile, RawLinkEnd } from './schema.js';

type Issue = (path: FieldPath, message: string, key?: string) => void;

const DEFAULTS6 = {
  families: ['ipv4'] as Family[],
  prefix: '2001:db8::/48',
  /** Host numbers of the service addresses, mirroring 192.0.2.53 and .80: <prefix>::53, ::80. */
  dnsHost: 53,
  httpHost: 80,
} as const;

/** One /64 per link and LAN: SLAAC-sized, as operators number point-to-point links when they do not use /127s. */
const NET_BITS = 64;
/** Transits filter IPv6 announcements longer than /48, as they filter IPv4 longer than /24. */
const MAX_ANYCAST_BITS = 48;
/** In each /64, as in the IPv4 subnets: Docker's bridge ::1, link end a (or the eyeball on a LAN) ::2, link end b ::3. */
const HOST = { gateway: 1, a: 2, b: 3, lanRouter: 2 } as const;

export interface Ipv6Settings {
  /** `families:` as the file lists them (ipv6 among them). */
  families: Family[];
  anycast: AnycastService6;
  net: Cidr6;
  /** records6 came from the file; otherwise addIpv6 derives them from the A records. */
  explicitRecords: boolean;
  links: Cidr6;
  lans: Cidr6;
}

/** `families:` with ipv4 first-class: an IPv6-only lab is not modelled (the control plane, probes and tools are IPv4 first). */
export function resolveFamilies(raw: LabFile, issue: Issue): Family[] {
  const listed = raw.families ?? DEFAULTS6.families;
  const families: Family[] = [];
  listed.forEach((f, i) => {
    if (families.includes(f)) issue(['families', i], `family "${f}" is listed twice`);
    else families.push(f);
  });
  if (!families.includes('ipv4')) issue(['families'], 'families must include ipv4: an IPv6-only lab is not supported (write [ipv4, ipv6])');
  return families;
}

/**
 * The lab file's IPv6 fields, checked. Without ipv6 in `families` every such
 * field is refused rather than ignored: a /48 or a per-family policy that
 * silently does nothing would mislead whoever wrote it.
 */
export function resolveIpv6Settings(raw: LabFile, families: readonly Family[], issue: Issue): Ipv6Settings | undefined {
  if (!families.includes('ipv6')) {
    for (const path of ipv6FieldsOf(raw))
      issue(path, `${formatPath(path)} is an IPv6 setting, but families does not list ipv6: add "families: [ipv4, ipv6]" or remove it`);
    return undefined;
  }
  const anycast = resolveAnycast6(raw, issue);
  const pools = resolvePools6(raw, anycast, issue);
  return pools ? { families: [...families], ...anycast, ...pools } : undefined;
}

function ipv6FieldsOf(raw: LabFile): FieldPath[] {
  const out: FieldPath[] = [];
  for (const f of ['prefix6', 'dns6', 'http6', 'records6'] as const) if (raw.anycast?.[f] !== undefined) out.push(['anycast', f]);
  for (const f of ['links6', 'lans6'] as const) if (raw.addressing?.[f] !== undefined) out.push(['addressing', f]);
  raw.links.forEach((l, i) => {
    for (const side of ['a', 'b'] as const) {
      const end = l[side];
      if (typeof end !== 'string' && end.ipv6 !== undefined) out.push(['links', i, side, 'ipv6']);
    }
  });
  raw.clients.forEach((c, i) => {
    if (c.expect6 !== undefined) out.push(['clients', i, 'expect6']);
  });
  return out;
}

function resolveAnycast6(raw: LabFile, issue: Issue): { anycast: AnycastService6; net: Cidr6; explicitRecords: boolean } {
  const prefix = canonical6(raw.anycast?.prefix6 ?? DEFAULTS6.prefix);
  const net = parseCidr6(prefix);
  // The IPv4 default is TEST-NET-1; the IPv6 one must be as unroutable: a lab never announces a real prefix.
  if (!within6(net, parseCidr6(DOCUMENTATION6)) && !within6(net, parseCidr6(ULA6)))
    issue(
      ['anycast', 'prefix6'],
      `anycast prefix ${prefix} is outside documentation space (${DOCUMENTATION6}) and ULA (${ULA6}): a lab must not announce a routable prefix`,
    );
  if (net.bits > MAX_ANYCAST_BITS)
    issue(['anycast', 'prefix6'], `anycast prefix ${prefix} is longer than /48: transits filter anything longer than /48, so it would not propagate`);
  const dns = canonical6(raw.anycast?.dns6 ?? mirrorHost6(net, DEFAULTS6.dnsHost));
  const http = canonical6(raw.anycast?.http6 ?? mirrorHost6(net, DEFAULTS6.httpHost));
  for (const [field, addr] of [
    ['dns6', dns],
    ['http6', http],
  ] as const) {
    if (!contains6(net, addr)) issue(['anycast', field], `service address ${addr} is outside the anycast prefix ${prefix}`);
    else if (toBig6(addr) === net.base)
      issue(['anycast', field], `service address ${addr} is the network address of ${prefix} (the subnet-router anycast address); pick a host address`);
  }
  const records = resolveRecords6(raw, { prefix, net }, issue);
  return { anycast: { prefix, dnsAddress: dns, httpAddress: http, records: records ?? {} }, net, explicitRecords: records !== undefined };
}

/** The file's `records6`, as written: each in the zone and inside the /48. Absent: undefined (addIpv6 derives them). */
function resolveRecords6(raw: LabFile, a: { prefix: string; net: Cidr6 }, issue: Issue): Record<string, string> | undefined {
  if (!raw.anycast?.records6) return undefined;
  const zone = raw.anycast?.zone ?? 'lab.';
  const records: Record<string, string> = {};
  for (const [name, addr] of Object.entries(raw.anycast.records6)) {
    const fq = name.endsWith('.') ? name : `${name}.`;
    if (!(fq === zone || fq.endsWith(`.${zone}`))) issue(['anycast', 'records6'], `record "${name}" is outside the zone "${zone}"`, name);
    else if (!contains6(a.net, addr)) issue(['anycast', 'records6'], `record "${name}" is at ${addr}, outside the anycast prefix ${a.prefix}`, name);
    records[fq.toLowerCase()] = canonical6(addr);
  }
  return records;
}

/**
 * By default an AAAA beside every A record that points at the IPv4 DNS or
 * HTTP address, at its IPv6 twin, so `dig AAAA www.lab.` answers as
 * `dig A www.lab.` does (the default name server included).
 */
function defaultRecords6(v4: Lab['anycast'], v6: AnycastService6): Record<string, string> {
  const records: Record<string, string> = {};
  for (const [name, addr] of Object.entries(v4.records)) {
    if (addr === v4.dnsAddress) records[name] = v6.dnsAddress;
    else if (addr === v4.httpAddress) records[name] = v6.httpAddress;
  }
  return records;
}

function resolvePools6(raw: LabFile, anycast: { net: Cidr6; anycast: AnycastService6 }, issue: Issue): { links: Cidr6; lans: Cidr6 } | undefined {
  const pools: Partial<Record<'links6' | 'lans6', Cidr6>> = {};
  for (const field of ['links6', 'lans6'] as const) {
    const text = raw.addressing?.[field];
    if (text === undefined) {
      // Point at the addressing block if there is one, else at the families line that asked for IPv6.
      issue(
        raw.addressing ? ['addressing', field] : ['families'],
        `families lists ipv6 but addressing.${field} is missing: give a ULA pool such as ${field === 'links6' ? 'fd00:77::/48' : 'fd00:78::/48'} (one /64 per ${field === 'links6' ? 'link' : 'LAN'})`,
      );
      continue;
    }
    const pool = parseCidr6(text);
    const shown = formatCidr6(pool);
    if (!within6(pool, parseCidr6(ULA6)))
      issue(['addressing', field], `${field} pool ${shown} is not unique local space (${ULA6}): lab links and LANs stay in ULA`);
    if (pool.bits > NET_BITS) issue(['addressing', field], `${field} pool ${shown} is smaller than one /${NET_BITS}`);
    if (overlaps6(pool, anycast.net)) issue(['addressing', field], `${field} pool ${shown} overlaps the anycast prefix ${anycast.anycast.prefix}`);
    pools[field] = pool;
  }
  if (pools.links6 && pools.lans6 && overlaps6(pools.links6, pools.lans6))
    issue(['addressing', 'lans6'], `lans6 pool ${formatCidr6(pools.lans6)} overlaps links6 pool ${formatCidr6(pools.links6)}`);
  return pools.links6 && pools.lans6 ? { links: pools.links6, lans: pools.lans6 } : undefined;
}

// --- allocation, on the resolved IPv4 lab

const endOf = (e: RawLinkEnd) => (typeof e === 'string' ? { node: e } : e);
const linkKey = (a: string, b: string): string => [a, b].sort().join('--');

/** The lab with every IPv6 part filled in (families must list ipv6 and the settings be valid). */
export function addIpv6(raw: LabFile, lab: Lab, s: Ipv6Settings, issue: Issue): Lab {
  const links = addLinks6(raw, lab.links, s.links, issue);
  const lanNets = allocate(s.lans, [...lab.lans.map((l) => l.eyeball), ...(lab.collector ? [lab.collector.name] : [])], () =>
    issue(['addressing', 'lans6'], `lans6 pool ${formatCidr6(s.lans)} is exhausted: use a larger pool`),
  );
  const lans = lab.lans.map((l) => {
    const net = lanNets.get(l.eyeball);
    return net ? { ...l, ipv6: { subnet: formatCidr6(net), gateway: hostAt6(net, HOST.gateway), routerAddress: hostAt6(net, HOST.lanRouter) } } : l;
  });
  const clients = lab.clients.map((c) => {
    const lan = lans.find((l) => l.subnet === c.lan);
    const i = raw.clients.findIndex((rc) => rc.name === c.name);
    const expect6 = raw.clients[i]?.expect6;
    if (!lan?.ipv6) return c;
    // The IPv4 host number, spelled alike: 10.88.0.10 → fd00:88:…::10.
    const host = toInt(c.address) - parseCidr(c.lan).base;
    return {
      ...c,
      ipv6: { address: mirrorHost6(parseCidr6(lan.ipv6.subnet), host), gateway: lan.ipv6.routerAddress },
      ...(expect6 ? { expect6: { pop: expect6.pop, ...(expect6.backup ? { backup: expect6.backup } : {}) } } : {}),
    };
  });
  const collector = lab.collector && lanNets.get(lab.collector.name);
  return {
    ...lab,
    families: s.families,
    anycast: { ...lab.anycast, ipv6: s.explicitRecords ? s.anycast : { ...s.anycast, records: defaultRecords6(lab.anycast, s.anycast) } },
    links,
    lans,
    clients,
    ...(lab.collector && collector ? { collector: { ...lab.collector, ipv6: collectorIpv6(lab.collector, collector) } } : {}),
  };
}

function allocate(pool: Cidr6, keys: string[], exhausted: () => void): Map<string, Cidr6> {
  const alloc = new KeyedAllocator6(pool, NET_BITS);
  const out = new Map<string, Cidr6>();
  for (const key of [...keys].sort()) {
    const net = alloc.allocate(key);
    if (net) out.set(key, net);
    else exhausted();
  }
  return out;
}

function addLinks6(raw: LabFile, links: Link[], pool: Cidr6, issue: Issue): Link[] {
  const keyOf = (l: Link) => linkKey(l.a.node, l.b.node);
  const nets = allocate(pool, links.map(keyOf), () => issue(['addressing', 'links6'], `links6 pool ${formatCidr6(pool)} is exhausted: use a larger pool`));
  return links.map((l) => {
    const net = nets.get(keyOf(l));
    if (!net) return l;
    const rawLink = raw.links.find((r) => endOf(r.a).node === l.a.node && endOf(r.b).node === l.b.node);
    return {
      ...l,
      ipv6: { subnet: formatCidr6(net), gateway: hostAt6(net, HOST.gateway) },
      a: end6(l.a, rawLink && endOf(rawLink.a).ipv6, hostAt6(net, HOST.a)),
      b: end6(l.b, rawLink && endOf(rawLink.b).ipv6, hostAt6(net, HOST.b)),
    };
  });
}

/** The IPv6 session's end: its own policy where the file sets one, the IPv4 end's otherwise. */
function end6(end: LinkEnd, own: { localPref?: number; prepend?: number; med?: number } | undefined, address: string): LinkEnd {
  const med = own?.med ?? end.med;
  return {
    ...end,
    ipv6: { address, localPref: own?.localPref ?? end.localPref, prepend: own?.prepend ?? end.prepend, ...(med !== undefined ? { med } : {}) },
  };
}

/** `expect6` names PoPs, and differs from its backup, as `expect` must. */
export function checkExpect6(raw: LabFile, serving: ReadonlySet<string>, describe: string, issue: Issue): void {
  raw.clients.forEach((c, i) => {
    if (!c.expect6) return;
    for (const f of ['pop', 'backup'] as const) {
      const v = c.expect6[f];
      if (v !== undefined && !serving.has(v)) issue(['clients', i, 'expect6', f], `"${v}" is not ${describe}`);
    }
    if (c.expect6.backup && c.expect6.backup === c.expect6.pop) issue(['clients', i, 'expect6', 'backup'], 'backup PoP must differ from the primary');
  });
}
