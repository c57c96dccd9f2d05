// FRR's daemons in the order of Debian bookworm's /etc/frr/daemons (frr 8.4.4).
export const FRR_DAEMONS = [
  'zebra',
  'bgpd',
  'ospfd',
  'ospf6d',
  'ripd',
  'ripngd',
  'isisd',
  'pimd',
  'pim6d',
  'ldpd',
  'nhrpd',
  'eigrpd',
  'babeld',
  'sharpd',
  'pbrd',
  'staticd',
  'bfdd',
  'fabricd',
  'vrrpd',
  'pathd',
] as const;

export type FrrDaemon = (typeof FRR_DAEMONS)[number];

/**
 * zebra always runs (listing it makes the file say so); bgpd carries the
 * routes, bfdd detects a dead link in milliseconds. No static routes, so no staticd.
 */
export const BGP_WITH_BFD: readonly FrrDaemon[] = ['zebra', 'bgpd', 'bfdd'];
