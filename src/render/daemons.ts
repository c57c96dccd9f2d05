// /etc/frr/daemons in the layout of Debian bookworm's frr 8.4.4 package, which
// src/agent/frr-start.sh sources as shell (as Debian's frrinit.sh would). Only
// what the router's role uses is switched on (topology/roles/, `render.daemons`).
import { FRR_DAEMONS, type FrrDaemon } from '../topology/roles/frr-daemons.js';

// Debian's defaults: vty sockets bound to loopback only; zebra's 90 MB netlink
// receive buffer avoids dropped kernel route updates in a burst.
const OPTIONS: [FrrDaemon, string][] = [
  ['zebra', '  -A 127.0.0.1 -s 90000000'],
  ['bgpd', '   -A 127.0.0.1'],
  ['bfdd', '   -A 127.0.0.1'],
];

// Without this flag FRR 8.4's zebra changes an IPv6 route by deleting it and
// adding it again (zebra/rt_netlink.c, netlink_put_route_update_msg: "v6 route
// replace semantics are not in the kernel ... so let's do a delete then an
// add"); a packet that arrives in between has no route and is dropped. Every
// router on a moved client's path re-installs the /48 when its AS path
// changes, so a dual-stack failover lost an IPv6 probe ~40 ms after the move
// now and then (never an IPv4 one: IPv4 is one NLM_F_REPLACE). The kernel has
// had IPv6 replace for years; doc/user/zebra.rst, option --v6-rr-semantics.
// Only in a dual-stack lab: an [ipv4] lab's files stay byte for byte as they were.
const V6_REPLACE = ' --v6-rr-semantics';

/** `ipv6`: the lab routes IPv6, so zebra replaces IPv6 routes in one step. */
export function renderDaemons(banner: string, enabled: readonly FrrDaemon[], opts: { ipv6: boolean } = { ipv6: false }): string {
  const on = new Set<string>(enabled);
  const optionsOf = (d: FrrDaemon, o: string): string => (d === 'zebra' && opts.ipv6 ? `${o}${V6_REPLACE}` : o);
  const lines = [
    `# ${banner}`,
    '#',
    '# Which FRR daemons frr-start.sh starts. bgpd carries the anycast announcement,',
    '# bfdd detects a dead link in milliseconds instead of waiting for the BGP hold timer.',
    '#',
    ...FRR_DAEMONS.map((d) => `${d}=${on.has(d) ? 'yes' : 'no'}`),
    '',
    '# frr.conf is one integrated file, applied through vtysh once the daemons run.',
    'vtysh_enable=yes',
    ...OPTIONS.filter(([d]) => on.has(d)).map(([d, o]) => `${d}_options="${optionsOf(d, o)}"`),
    '',
    '# Same profile as `frr defaults traditional` in frr.conf, so defaults agree.',
    'frr_profile="traditional"',
  ];
  return `${lines.join('\n')}\n`;
}
