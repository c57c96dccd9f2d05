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

export function renderDaemons(banner: string, enabled: readonly FrrDaemon[]): string {
  const on = new Set<string>(enabled);
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
    ...OPTIONS.filter(([d]) => on.has(d)).map(([d, o]) => `${d}_options="${o}"`),
    '',
    '# Same profile as `frr defaults traditional` in frr.conf, so defaults agree.',
    'frr_profile="traditional"',
  ];
  return `${lines.join('\n')}\n`;
}
