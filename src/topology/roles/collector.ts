// The route collector (`collector: true` in a lab file), an observer
// (observer-spec.ts): a passive BGP speaker of another implementation (GoBGP)
// in its own container, like a RIPE RIS collector. It peers with every transit
// over one shared LAN (an IXP-style collector LAN: one network, not one link
// per transit), accepts everything and announces nothing. Resolve: the lab
// file's section in, `lab.collector` out, or issues naming the field. Render:
// on each transit, a session to the collector that sends everything the
// transit selected and takes nothing back; in the collector, GoBGP's config
// (passive, accept all, export none). Pure.
import { AGENT_DIR } from '../../contract/agent.js';
import type { FieldPath } from '../field-path.js';
import { type Cidr, contains, formatCidr, hostAt, overlaps, parseCidr, toInt } from '../ipv4.js';
import { type Cidr6, formatCidr6, hostAt6, mirrorHost6 } from '../ipv6.js';
import type { Collector, Lab, Router } from '../model.js';
import type { ObserverNode, ObserverSpec, PeerLines } from './observer-spec.js';

export const COLLECTOR_DEFAULTS = {
  name: 'collector',
  /** A private ASN no generated lab uses (RIS itself is AS12654). */
  asn: 64999,
  subnet: '10.79.0.0/24',
} as const;

/**
 * Docker's bridge takes .1; the collector .2; transits from .10 in lab-file
 * order. Unlike links and router IDs (resolve.ts, by name) this stays
 * positional: the collector LAN's addresses are in captured fixtures and
 * docs, and only a transit inserted before another moves it.
 */
const COLLECTOR_HOST = 2;
const FIRST_PEER_HOST = 10;

export type RawCollector = boolean | { asn?: number; subnet?: string } | undefined;

export interface CollectorContext {
  routers: readonly Router[];
  /** Pools and prefixes the collector LAN must stay clear of, by the field that set them. */
  taken: readonly { what: string; net: Cidr }[];
  /** Every node name the lab file claimed. */
  names: ReadonlySet<string>;
  timers: Collector['timers'];
}

export function resolveCollector(raw: RawCollector, ctx: CollectorContext, issue: (path: FieldPath, message: string) => void): Collector | undefined {
  if (raw === undefined || raw === false) return undefined;
  const o = raw === true ? {} : raw;
  const asn = o.asn ?? COLLECTOR_DEFAULTS.asn;
  const subnet = parseCidr(o.subnet ?? COLLECTOR_DEFAULTS.subnet);
  const peers = ctx.routers.filter((r) => r.role === 'transit');
  if (!peers.length) issue(['collector'], 'a collector peers with every transit, and this lab has none');
  const clash = ctx.routers.find((r) => r.asn === asn);
  if (clash) issue(['collector', 'asn'], `AS${asn} is ${clash.name}'s AS: the collector needs an AS of its own (set collector.asn)`);
  if (ctx.names.has(COLLECTOR_DEFAULTS.name)) issue(['collector'], `a node is already named "${COLLECTOR_DEFAULTS.name}", the collector's name`);
  for (const t of ctx.taken)
    if (overlaps(subnet, t.net)) issue(['collector', 'subnet'], `collector subnet ${formatCidr(subnet)} overlaps ${t.what} ${formatCidr(t.net)}`);
  const size = 2 ** (32 - subnet.bits);
  if (FIRST_PEER_HOST + peers.length >= size - 1)
    issue(['collector', 'subnet'], `collector subnet ${formatCidr(subnet)} is too small for ${peers.length} transits`);
  const address = hostAt(subnet, COLLECTOR_HOST);
  if (!contains(subnet, address)) return undefined;
  return {
    name: COLLECTOR_DEFAULTS.name,
    asn,
    subnet: formatCidr(subnet),
    gateway: hostAt(subnet, 1),
    address,
    peers: peers.map((r, i) => ({ router: r.name, asn: r.asn, address: hostAt(subnet, FIRST_PEER_HOST + i) })),
    timers: ctx.timers,
  };
}

/**
 * Dual-stack labs: the collector LAN's /64 (allocated with the client LANs', by
 * the collector's name, topology/dual-stack.ts), numbered as its IPv4 subnet:
 * Docker's bridge ::1, the collector ::2, each transit its IPv4 host number
 * spelled alike (.10 → ::10).
 */
export const collectorIpv6 = (c: Collector, net: Cidr6): NonNullable<Collector['ipv6']> => ({
  subnet: formatCidr6(net),
  gateway: hostAt6(net, 1),
  address: hostAt6(net, COLLECTOR_HOST),
  peers: c.peers.map((p) => ({ router: p.router, address: mirrorHost6(net, toInt(p.address) - parseCidr(c.subnet).base) })),
});

export const COLLECTOR_ROUTE_MAP = { in: 'COLLECTOR-IN', out: 'COLLECTOR-OUT' } as const;
const GOBGP_CONFIG_FILE = 'gobgpd.toml';

/** The collector's peer entry for `router`, if it peers with the collector. */
export const collectorPeer = (lab: Lab, router: string): Collector['peers'][number] | undefined => lab.collector?.peers.find((p) => p.router === router);

/** Route-maps of the collector session (ebgp-requires-policy: a session without both exchanges nothing). */
function collectorRouteMapLines(lab: Lab, router: Router): string[] {
  if (!collectorPeer(lab, router.name)) return [];
  return [
    '! The route collector: it hears every path this router selected (like a RIS',
    '! peer) and may send nothing back.',
    `route-map ${COLLECTOR_ROUTE_MAP.in} deny 10`,
    'exit',
    `route-map ${COLLECTOR_ROUTE_MAP.out} permit 10`,
    'exit',
    '!',
  ];
}

/**
 * The neighbour lines (under `router bgp`) and the address-family lines; in a
 * dual-stack lab a second session over the collector LAN's /64 that carries
 * IPv6 only (`v6Off` under ipv4, `af6` under ipv6), as the link sessions do.
 */
function collectorBgpLines(lab: Lab, router: Router): { neighbor: string[]; af: string[]; v6Off: string[]; af6: string[] } {
  const c = lab.collector;
  if (!c || !collectorPeer(lab, router.name)) return { neighbor: [], af: [], v6Off: [], af6: [] };
  const neighbor = (a: string, on: string) => [
    ` ! the route collector (GoBGP, AS${c.asn}) on ${on}: no BFD, it is an observer`,
    ` neighbor ${a} remote-as ${c.asn}`,
    ` neighbor ${a} description ${c.name}`,
    ` neighbor ${a} timers ${c.timers.keepalive} ${c.timers.hold}`,
    ` neighbor ${a} timers connect 1`,
    ` neighbor ${a} advertisement-interval 0`,
  ];
  const maps = (a: string) => [`  neighbor ${a} route-map ${COLLECTOR_ROUTE_MAP.in} in`, `  neighbor ${a} route-map ${COLLECTOR_ROUTE_MAP.out} out`];
  const a6 = c.ipv6?.address;
  return {
    neighbor: [...neighbor(c.address, c.subnet), ...(a6 ? neighbor(a6, c.ipv6!.subnet) : [])],
    af: maps(c.address),
    v6Off: a6 ? [`  no neighbor ${a6} activate`] : [],
    af6: a6 ? [`  neighbor ${a6} activate`, ...maps(a6)] : [],
  };
}

const q = (s: string) => JSON.stringify(s);

/**
 * gobgpd.toml: passive (the transits connect, as they do every peer: `timers
 * connect 1`), import everything, export nothing. GoBGP keeps every peer's
 * path in its RIB, so `lg collector` shows each transit's view.
 */
export function renderGobgpConfig(lab: Lab): string {
  const c = lab.collector;
  if (!c) return '';
  const v6 = c.ipv6;
  const lines = [
    `# Route collector of lab ${lab.name}: written by anycast-lab, do not edit.`,
    '[global.config]',
    `  as = ${c.asn}`,
    `  router-id = ${q(c.address)}`,
    `  local-address-list = [${[c.address, ...(v6 ? [v6.address] : [])].map(q).join(', ')}]`,
    '[global.apply-policy.config]',
    '  default-import-policy = "accept-route"',
    '  default-export-policy = "reject-route"',
  ];
  const neighbor = (address: string, local: string, asn: number, router: string, afi: string) => [
    '',
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = ${q(address)}`,
    `    peer-as = ${asn}`,
    `    description = ${q(router)}`,
    '  [neighbors.transport.config]',
    '    passive-mode = true',
    `    local-address = ${q(local)}`,
    '  [neighbors.timers.config]',
    `    hold-time = ${c.timers.hold}`,
    `    keepalive-interval = ${c.timers.keepalive}`,
    '  [[neighbors.afi-safis]]',
    '    [neighbors.afi-safis.config]',
    `      afi-safi-name = ${q(afi)}`,
  ];
  for (const p of c.peers) lines.push(...neighbor(p.address, c.address, p.asn, p.router, 'ipv4-unicast'));
  // Dual-stack labs: each transit's IPv6 session, one family per session as on the links.
  for (const p of v6?.peers ?? []) {
    const asn = c.peers.find((x) => x.router === p.router)?.asn;
    if (asn !== undefined) lines.push(...neighbor(p.address, v6!.address, asn, p.router, 'ipv6-unicast'));
  }
  return `${lines.join('\n')}\n`;
}

/** The collector LAN's network: one bridge shared by the collector and every transit. */
const COLLECTOR_LAN = 'collector-lan';

const observerNode = (c: Collector): ObserverNode => ({
  name: c.name,
  lan: { name: COLLECTOR_LAN, subnet: c.subnet, gateway: c.gateway, ...(c.ipv6 ? { ipv6: { subnet: c.ipv6.subnet, gateway: c.ipv6.gateway } } : {}) },
  address: c.address,
  ...(c.ipv6 ? { address6: c.ipv6.address } : {}),
  peers: c.peers.map((p) => {
    const address6 = c.ipv6?.peers.find((q) => q.router === p.router)?.address;
    return { router: p.router, address: p.address, ...(address6 ? { address6 } : {}) };
  }),
});

export const collector = {
  name: 'collector',
  node: (lab) => (lab.collector ? observerNode(lab.collector) : undefined),
  render: {
    files: (lab) => ({ [GOBGP_CONFIG_FILE]: renderGobgpConfig(lab) }),
    peerLines: (lab, router): PeerLines => ({ routeMaps: collectorRouteMapLines(lab, router), ...collectorBgpLines(lab, router) }),
  },
  container: {
    // GoBGP and the recorder that stamps every update it hears (collector-init.sh):
    // the router image carries gobgpd; no capabilities (port 179 is in Docker's default set).
    image: 'router',
    configDir: '/etc/gobgp',
    cmd: ['/bin/bash', `${AGENT_DIR}/collector-init.sh`],
  },
} satisfies ObserverSpec<'collector'>;
