// What the route collector adds to the configs: on each transit, a session to
// the collector that sends everything the transit selected and takes nothing
// back; in the collector, GoBGP's config (passive, accept all, export none).
// Pure, like the rest of render/.
import type { Collector, Lab, Router } from '../topology/model.js';

export const COLLECTOR_ROUTE_MAP = { in: 'COLLECTOR-IN', out: 'COLLECTOR-OUT' } as const;
export const GOBGP_CONFIG_FILE = 'gobgpd.toml';

/** The collector's peer entry for `router`, if it peers with the collector. */
export const collectorPeer = (lab: Lab, router: string): Collector['peers'][number] | undefined => lab.collector?.peers.find((p) => p.router === router);

/** Route-maps of the collector session (ebgp-requires-policy: a session without both exchanges nothing). */
export function collectorRouteMapLines(lab: Lab, router: Router): string[] {
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
export function collectorBgpLines(lab: Lab, router: Router): { neighbor: string[]; af: string[]; v6Off: string[]; af6: string[] } {
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
