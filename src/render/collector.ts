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

/** The neighbour lines (under `router bgp`) and the address-family lines. */
export function collectorBgpLines(lab: Lab, router: Router): { neighbor: string[]; af: string[] } {
  const c = lab.collector;
  if (!c || !collectorPeer(lab, router.name)) return { neighbor: [], af: [] };
  const a = c.address;
  return {
    neighbor: [
      ` ! the route collector (GoBGP, AS${c.asn}) on ${c.subnet}: no BFD, it is an observer`,
      ` neighbor ${a} remote-as ${c.asn}`,
      ` neighbor ${a} description ${c.name}`,
      ` neighbor ${a} timers ${c.timers.keepalive} ${c.timers.hold}`,
      ` neighbor ${a} timers connect 1`,
      ` neighbor ${a} advertisement-interval 0`,
    ],
    af: [`  neighbor ${a} route-map ${COLLECTOR_ROUTE_MAP.in} in`, `  neighbor ${a} route-map ${COLLECTOR_ROUTE_MAP.out} out`],
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
  const lines = [
    `# Route collector of lab ${lab.name}: written by anycast-lab, do not edit.`,
    '[global.config]',
    `  as = ${c.asn}`,
    `  router-id = ${q(c.address)}`,
    `  local-address-list = [${q(c.address)}]`,
    '[global.apply-policy.config]',
    '  default-import-policy = "accept-route"',
    '  default-export-policy = "reject-route"',
  ];
  for (const p of c.peers) {
    lines.push(
      '',
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = ${q(p.address)}`,
      `    peer-as = ${p.asn}`,
      `    description = ${q(p.router)}`,
      '  [neighbors.transport.config]',
      '    passive-mode = true',
      `    local-address = ${q(c.address)}`,
      '  [neighbors.timers.config]',
      `    hold-time = ${c.timers.hold}`,
      `    keepalive-interval = ${c.timers.keepalive}`,
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
    );
  }
  return `${lines.join('\n')}\n`;
}
