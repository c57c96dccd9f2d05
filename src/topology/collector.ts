// The route collector (`collector: true` in a lab file): a passive BGP
// speaker of another implementation (GoBGP) in its own container, like a
// RIPE RIS collector. It peers with every transit over one shared LAN (an
// IXP-style collector LAN: one network, not one link per transit), accepts
// everything and announces nothing. Pure: the lab file's section in, the
// model out, or issues naming the field.
import type { FieldPath } from './field-path.js';
import { type Cidr, contains, formatCidr, hostAt, overlaps, parseCidr } from './ipv4.js';
import type { Collector, Router } from './model.js';

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
