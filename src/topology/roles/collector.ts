// The route collector as an observer (observer-spec.ts): GoBGP in its own
// container on one LAN shared with every transit. What it adds to the configs:
// on each transit, a session to the collector that sends everything the
// transit selected and takes nothing back; in the collector, GoBGP's config
// (passive, accept all, export none). Its place in the lab (AS, LAN, peers) is
// resolved by topology/collector.ts into `lab.collector`.
import { AGENT_DIR } from '../../contract/agent.js';
import type { Collector, Lab, Router } from '../model.js';
import type { ObserverNode, ObserverSpec, PeerLines } from './observer-spec.js';

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
