// Pure FRR 8.4 config renderer: a resolved Lab in, the three files of one
// router's /etc/frr out. Same Lab, same bytes: sessions are ordered by peer
// name and everything else follows the model's order, so goldens stay stable.

import { allLans6, isDualStack, routesByFamily } from '../topology/families.js';
import { allLans, type Family, findRouter, type Lab, type Link, type LinkEnd, type Router, sessionsOf } from '../topology/model.js';
import type { PeerLines } from '../topology/roles/observer-spec.js';
import { observersOf } from '../topology/roles/observers.js';
import { roleSpec } from '../topology/roles/registry.js';
import { bannerText } from './banner.js';
import { bfdBlockLines, bfdProfileName, bfdProfilesOf } from './bfd-profiles.js';
import { renderDaemons } from './daemons.js';
import { RenderError } from './errors.js';
import { type PeerPrefixes, peerPrefixes, prefixListLines } from './prefix-lists.js';

export const RENDERED_FILE_NAMES = ['frr.conf', 'daemons', 'vtysh.conf'] as const;
export type RenderedFileName = (typeof RENDERED_FILE_NAMES)[number];
export type RenderedFiles = Record<RenderedFileName, string>;

/** Names other code matches on (health checks, `status`); keep them fixed. */
export const PREFIX_LIST = {
  anycast: 'ANYCAST',
  clientLans: 'CLIENT-LANS',
  in: (peer: string) => `IN-${peer}`,
  out: (peer: string) => `OUT-${peer}`,
  /** Dual-stack labs: the IPv6 twins (`ipv6 prefix-list`). */
  anycast6: 'ANYCAST6',
  clientLans6: 'CLIENT-LANS6',
  in6: (peer: string) => `IN6-${peer}`,
  out6: (peer: string) => `OUT6-${peer}`,
} as const;
export const ROUTE_MAP = {
  from: (peer: string) => `FROM-${peer}`,
  to: (peer: string) => `TO-${peer}`,
  /** Dual-stack labs: the IPv6 session's route-maps, with the IPv6 end's policy (LinkEnd.ipv6). */
  from6: (peer: string) => `FROM6-${peer}`,
  to6: (peer: string) => `TO6-${peer}`,
} as const;

/** One eBGP session seen from the router being rendered. */
interface Peer {
  link: Link;
  local: LinkEnd;
  remote: LinkEnd;
  router: Router;
  prefixes: PeerPrefixes;
  /** Dual-stack labs: the IPv6 session over the same link, both ends' IPv6 parts. */
  v6?: { subnet: string; local: NonNullable<LinkEnd['ipv6']>; remote: NonNullable<LinkEnd['ipv6']> };
  /** This end only listens for the session (`passive`): see `listensFor`. */
  listens: boolean;
}

/**
 * Whether `local` only listens for its session with `remote` (FRR's
 * `neighbor … passive`), the other end connecting: exactly one end of every
 * session, the PoP where one end is a PoP, else the end whose name sorts
 * later. With both ends connecting, fast BFD coming back up on both within a
 * millisecond makes both bgpds open a connection at once, and FRR 8.4's
 * collision resolution then sometimes closes the survivor too: the session
 * came up, went down 7 ms later ("Peer closed the session") and up again
 * after the 1 s connect timer, moving the PoP's clients away and back once
 * more (t-eu's log after a freeze of fra at BFD 20x3@pop, 2026-12-06).
 */
export function listensFor(local: Router, remote: Router): boolean {
  const [lp, rp] = [local.role === 'pop', remote.role === 'pop'];
  if (lp !== rp) return lp;
  return local.name > remote.name;
}

export function renderRouter(lab: Lab, routerName: string): RenderedFiles {
  const router = findRouter(lab, routerName);
  if (!router) {
    const isClient = lab.clients.some((c) => c.name === routerName);
    throw new RenderError(
      'UNKNOWN_ROUTER',
      isClient
        ? `node "${routerName}" is a client; only routers get an FRR config`
        : `node "${routerName}" is not a router of lab "${lab.name}" (routers: ${lab.routers.map((r) => r.name).join(', ')})`,
    );
  }
  const banner = bannerText(lab);
  const peers = peersOf(lab, router);
  const observed = observerLines(lab, router);
  return {
    'frr.conf': toFile([
      ...headerLines(banner, router),
      ...globalPrefixListLines(lab),
      ...peerPrefixListLines(router, peers),
      ...routeMapLines(router, peers),
      ...observed.routeMaps,
      ...bfdBlockLines(bfdProfilesOf(peers.map((p) => p.link))),
      ...bgpLines(lab, router, peers, observed),
    ]),
    daemons: renderDaemons(banner, roleSpec(router.role).render.daemons, { ipv6: isDualStack(lab) }),
    'vtysh.conf': toFile([`! ${banner}`, 'service integrated-vtysh-config', `hostname ${router.name}`]),
  };
}

/** Files for every router of the lab, in the model's router order. Clients get nothing. */
export function renderLab(lab: Lab): Map<string, RenderedFiles> {
  return new Map(lab.routers.map((r) => [r.name, renderRouter(lab, r.name)]));
}

const toFile = (lines: readonly string[]): string => `${lines.join('\n')}\n`;

/** What the lab's observers (the route collector) add to a router that peers with them, in registry order. */
function observerLines(lab: Lab, router: Router): PeerLines {
  const all = observersOf(lab).map(({ spec }) => spec.render.peerLines(lab, router));
  const merged = (key: keyof PeerLines) => all.flatMap((lines) => lines[key]);
  return { routeMaps: merged('routeMaps'), neighbor: merged('neighbor'), af: merged('af'), v6Off: merged('v6Off'), af6: merged('af6') };
}

function peersOf(lab: Lab, router: Router): Peer[] {
  const peers: Peer[] = [];
  for (const s of sessionsOf(lab, router.name)) {
    const remote = findRouter(lab, s.remote.node);
    if (!remote) {
      throw new RenderError('UNKNOWN_ROUTER', `link "${s.link.name}": peer "${s.remote.node}" of "${router.name}" is not a router`);
    }
    // Policy names are per peer node, so two links to one peer would share
    // (and silently merge) their prefix-lists and route-maps.
    const twin = peers.find((p) => p.router.name === remote.name);
    if (twin) {
      throw new RenderError(
        'DUPLICATE_PEER',
        `router "${router.name}" has two links to "${remote.name}" ("${twin.link.name}", "${s.link.name}"); keep one link per router pair`,
      );
    }
    const v6 = s.link.ipv6 && s.local.ipv6 && s.remote.ipv6 ? { subnet: s.link.ipv6.subnet, local: s.local.ipv6, remote: s.remote.ipv6 } : undefined;
    peers.push({ ...s, router: remote, prefixes: peerPrefixes(lab, router, remote), listens: listensFor(router, remote), ...(v6 ? { v6 } : {}) });
  }
  return peers.sort((x, y) => (x.router.name < y.router.name ? -1 : x.router.name > y.router.name ? 1 : 0));
}

function headerLines(banner: string, router: Router): string[] {
  return [
    `! ${banner}`,
    `! ${router.name}: ${roleSpec(router.role).render.describe(router)}, AS${router.asn}, ${router.location}.`,
    '!',
    'frr version 8.4',
    'frr defaults traditional',
    `hostname ${router.name}`,
    '! Router-side event times (BGP and BFD state changes) are read from this log',
    '! and lined up with client probes, hence microsecond timestamps.',
    'log file /var/log/frr/frr.log informational',
    'log timestamp precision 6',
    'service integrated-vtysh-config',
    '! bgpd holds every session until config is read plus what is left of the',
    '! route-map delay timer (5 s by default): 0 lets sessions start 1 s after config.',
    'bgp route-map delay-timer 0',
    '!',
  ];
}

function globalPrefixListLines(lab: Lab): string[] {
  const v6 = lab.anycast.ipv6;
  return [
    '! The anycast prefix every PoP announces, and the LANs the clients sit on.',
    ...prefixListLines(PREFIX_LIST.anycast, [lab.anycast.prefix]),
    ...prefixListLines(PREFIX_LIST.clientLans, allLans(lab)),
    ...(v6 ? [...prefixListLines(PREFIX_LIST.anycast6, [v6.prefix], 'ipv6'), ...prefixListLines(PREFIX_LIST.clientLans6, allLans6(lab), 'ipv6')] : []),
    '!',
  ];
}

function peerPrefixListLines(router: Router, peers: readonly Peer[]): string[] {
  if (peers.length === 0) return [];
  const lines = [
    '! Per-neighbour filters: IN- is what a neighbour may announce to us, OUT- what',
    '! we may send it; exact matches, anything else is dropped.',
    `! ${roleSpec(router.role).render.policySummary}`,
  ];
  for (const p of peers) {
    const inn = routesByFamily(p.prefixes.in);
    const out = routesByFamily(p.prefixes.out);
    lines.push(...prefixListLines(PREFIX_LIST.in(p.router.name), inn.ipv4), ...prefixListLines(PREFIX_LIST.out(p.router.name), out.ipv4));
    if (p.v6)
      lines.push(...prefixListLines(PREFIX_LIST.in6(p.router.name), inn.ipv6, 'ipv6'), ...prefixListLines(PREFIX_LIST.out6(p.router.name), out.ipv6, 'ipv6'));
  }
  lines.push('!');
  return lines;
}

function routeMapLines(router: Router, peers: readonly Peer[]): string[] {
  if (peers.length === 0) return [];
  const lines = [
    '! Route-maps on every session (bgp ebgp-requires-policy stays on: a session',
    '! without both maps would exchange nothing). Local preference decides which',
    '! neighbour we prefer before AS-path length is even looked at.',
  ];
  for (const p of peers) {
    lines.push(...sessionRouteMaps(router, p.router.name, p.local, 'ipv4'));
    if (p.v6) lines.push(...sessionRouteMaps(router, p.router.name, p.v6.local, 'ipv6'));
  }
  return lines;
}

/** Each family's names: its session's route-maps and prefix-lists, and the keyword FRR matches them with. */
const FAMILY_POLICY = {
  ipv4: { match: 'ip', note: '', from: ROUTE_MAP.from, to: ROUTE_MAP.to, in: PREFIX_LIST.in, out: PREFIX_LIST.out },
  ipv6: { match: 'ipv6', note: ' (IPv6)', from: ROUTE_MAP.from6, to: ROUTE_MAP.to6, in: PREFIX_LIST.in6, out: PREFIX_LIST.out6 },
} as const;

/** FROM-/TO- (FROM6-/TO6-) of one session, with that session's own policy. */
function sessionRouteMaps(router: Router, name: string, policy: { localPref: number; prepend: number; med?: number }, family: Family): string[] {
  const names = FAMILY_POLICY[family];
  const ip = names.match;
  const note = names.note;
  const lines = [
    `route-map ${names.from(name)} permit 10`,
    ` match ${ip} address prefix-list ${names.in(name)}`,
    ` set local-preference ${policy.localPref}`,
    'exit',
  ];
  if (policy.prepend > 0) {
    lines.push(`! Prepending AS${router.asn} ${policy.prepend}x makes this path look longer to ${name}${note}, so shorter paths win.`);
  }
  if (policy.med !== undefined) {
    lines.push(`! MED ${policy.med}: ${name} prefers the lowest MED among its paths from AS${router.asn}${note}.`);
  }
  lines.push(`route-map ${names.to(name)} permit 10`, ` match ${ip} address prefix-list ${names.out(name)}`);
  if (policy.prepend > 0) lines.push(` set as-path prepend ${Array(policy.prepend).fill(router.asn).join(' ')}`);
  if (policy.med !== undefined) lines.push(` set metric ${policy.med}`);
  lines.push('exit', '!');
  return lines;
}

function bgpLines(lab: Lab, router: Router, peers: readonly Peer[], observed: PeerLines): string[] {
  const lines = [
    '! compare-routerid: the last tie-break is the lowest router-id, not the oldest',
    '! path, so catchment does not depend on which session happened to come up first.',
    '! connect 1: peers start in any order; the 120 s default retry would stall `up`.',
    '! passive: one end of each session connects, the other (a PoP, else the later',
    '! name) only listens, so that both ends seeing BFD up at once do not open two',
    '! connections whose collision can take the new session down again.',
    '! advertisement-interval 0: send every update at once. FRR 8 already defaults to 0,',
    '! but RFC 4271 suggests 30 s for eBGP and older FRR used it: pinned, not assumed.',
    '! coalesce-time 0: a new session gets its first UPDATE at once. By default bgpd',
    '! holds it 1 s + 50 ms per peer to batch peers that come up together, and every',
    '! hop from a PoP to a client pays that again when sessions come up.',
    `router bgp ${router.asn}`,
    ` bgp router-id ${router.routerId}`,
    ' bgp log-neighbor-changes',
    ' bgp bestpath compare-routerid',
    ' coalesce-time 0',
  ];
  for (const p of peers) {
    lines.push(...neighborLines(p, p.remote.address, `link ${p.link.name} (${p.link.subnet})`));
    if (p.v6) lines.push(...neighborLines(p, p.v6.remote.address, `IPv6 on link ${p.link.name} (${p.v6.subnet})`));
  }
  lines.push(...observed.neighbor);
  lines.push(' !', ' address-family ipv4 unicast');
  lines.push(...roleSpec(router.role).render.networkLines(lab, router));
  for (const p of peers) {
    const addr = p.remote.address;
    lines.push(`  neighbor ${addr} route-map ${ROUTE_MAP.from(p.router.name)} in`, `  neighbor ${addr} route-map ${ROUTE_MAP.to(p.router.name)} out`);
  }
  lines.push(...observed.af);
  lines.push(...ipv4OffLines(peers, observed.v6Off));
  lines.push(' exit-address-family');
  lines.push(...ipv6AfLines(lab, router, peers, observed.af6));
  lines.push('exit', '!');
  return lines;
}

function neighborLines(p: Peer, addr: string, over: string): string[] {
  const lines = [
    ` ! ${p.router.name} over ${over}, BFD ${p.link.bfd.enabled ? bfdProfileName(p.link.bfd) : 'off'}`,
    ` neighbor ${addr} remote-as ${p.local.remoteAs ?? p.router.asn}`,
    ` neighbor ${addr} description ${p.router.name}`,
    ` neighbor ${addr} timers ${p.link.timers.keepalive} ${p.link.timers.hold}`,
    ` neighbor ${addr} timers connect 1`,
    ` neighbor ${addr} advertisement-interval 0`,
  ];
  if (p.listens) lines.push(` neighbor ${addr} passive`);
  if (p.link.bfd.enabled) lines.push(` neighbor ${addr} bfd`, ` neighbor ${addr} bfd profile ${bfdProfileName(p.link.bfd)}`);
  return lines;
}

/**
 * `bgp default ipv4-unicast` (FRR's traditional default) activates every
 * neighbour in the IPv4 family, the IPv6 sessions' too: switched off one by
 * one, so each session carries one family and an IPv4-only lab renders no
 * extra line.
 */
function ipv4OffLines(peers: readonly Peer[], observed: readonly string[]): string[] {
  const v6 = peers.flatMap((p) => (p.v6 ? [p.v6.remote.address] : []));
  if (!v6.length && !observed.length) return [];
  return ['  ! The IPv6 sessions carry IPv6 only.', ...v6.map((a) => `  no neighbor ${a} activate`), ...observed];
}

/** `address-family ipv6 unicast`: the /48 or the LANs' /64s this router originates, and each IPv6 session's route-maps. */
function ipv6AfLines(lab: Lab, router: Router, peers: readonly Peer[], observed: readonly string[]): string[] {
  const v6 = peers.filter((p) => p.v6);
  if (!v6.length && !observed.length) return [];
  const lines = [' !', ' address-family ipv6 unicast', ...roleSpec(router.role).render.networkLines(lab, router, 'ipv6')];
  for (const p of v6) {
    const addr = p.v6!.remote.address;
    lines.push(
      `  neighbor ${addr} activate`,
      `  neighbor ${addr} route-map ${ROUTE_MAP.from6(p.router.name)} in`,
      `  neighbor ${addr} route-map ${ROUTE_MAP.to6(p.router.name)} out`,
    );
  }
  lines.push(...observed, ' exit-address-family');
  return lines;
}
