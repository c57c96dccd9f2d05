// Addressing on a Swarm overlay that carries one lab link.
import { formatCidr, parseCidr, size } from '../../topology/ipv4.js';

/**
 * The upper half of a link's subnet: where Swarm may put its load-balancer
 * addresses (one per node on the overlay; a /29 gives .4–.6: three nodes),
 * clear of the lab's static ones at the bottom (.2, .3). Without it each node
 * that attaches takes the lowest free address when its first container
 * attaches (measured: .3 after a container took .2, so the other end's .3 was
 * refused on the worker with "context deadline exceeded"). Hence a /29 per
 * link, not a /30.
 */
export function overlayDynamicRange(subnet: string): string {
  const c = parseCidr(subnet);
  return formatCidr({ base: (c.base + size(c) / 2) >>> 0, bits: c.bits + 1 });
}

/** The MAC Docker gives an endpoint that names none: 02:42 and its IPv4 address (libnetwork GenerateMACFromIP). */
export function dockerMacOf(ipv4: string): string {
  return ['02', '42', ...ipv4.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/**
 * The IPv6 link-local address the kernel gives an interface with this MAC
 * (EUI-64, the default addr_gen_mode): BGP's IPv6 routes name the peer's
 * link-local address as their next hop, so it needs a neighbour entry too.
 */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((h) => Number.parseInt(h, 16));
  const id = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  const groups = [0, 2, 4, 6].map((i) => ((id[i] << 8) | id[i + 1]).toString(16));
  return `fe80::${groups.join(':')}`;
}
