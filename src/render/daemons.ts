// /etc/frr/daemons in the layout of Debian bookworm's frr 8.4.4 package, which
// src/agent/frr-start.sh sources as shell (as Debian's frrinit.sh would). Only
// what the lab uses is switched on: no static routes, so no staticd.

const ENABLED = new Set(['zebra', 'bgpd', 'bfdd']);

// Debian's order. zebra always runs; listing it makes the file say so.
const DAEMONS = [
  'zebra', 'bgpd', 'ospfd', 'ospf6d', 'ripd', 'ripngd', 'isisd', 'pimd', 'pim6d', 'ldpd',
  'nhrpd', 'eigrpd', 'babeld', 'sharpd', 'pbrd', 'staticd', 'bfdd', 'fabricd', 'vrrpd', 'pathd',
] as const;

// Debian's defaults: vty sockets bound to loopback only; zebra's 90 MB netlink
// receive buffer avoids dropped kernel route updates in a burst.
const OPTIONS: [string, string][] = [
  ['zebra', '  -A 127.0.0.1 -s 90000000'],
  ['bgpd', '   -A 127.0.0.1'],
  ['bfdd', '   -A 127.0.0.1'],
];

export function renderDaemons(banner: string): string {
  const lines = [
    `# ${banner}`,
    '#',
    '# Which FRR daemons frr-start.sh starts. bgpd carries the anycast announcement,',
    '# bfdd detects a dead link in milliseconds instead of waiting for the BGP hold timer.',
    '#',
    ...DAEMONS.map((d) => `${d}=${ENABLED.has(d) ? 'yes' : 'no'}`),
    '',
    '# frr.conf is one integrated file, applied through vtysh once the daemons run.',
    'vtysh_enable=yes',
    ...OPTIONS.map(([d, o]) => `${d}_options="${o}"`),
    '',
    '# Same profile as `frr defaults traditional` in frr.conf, so defaults agree.',
    'frr_profile="traditional"',
  ];
  return lines.join('\n') + '\n';
}
