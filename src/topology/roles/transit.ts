// A transit network: carries the anycast prefix toward clients and the client
// LANs toward PoPs, and prefers routes from its customers (Gao-Rexford).
import { allLansBoth, anycastPrefixes } from '../families.js';
import type { Lab } from '../model.js';
import { BGP_WITH_BFD } from './frr-daemons.js';
import { FRR_ONLY_CONTAINER, type RoleSpec } from './role-spec.js';

/** Each family's anycast prefix, then each family's client LANs: [ipv4 anycast, (ipv6 anycast,) ipv4 LANs…, (ipv6 LANs…)]. */
const carried = (lab: Lab): string[] => {
  const [v4, ...v6] = anycastPrefixes(lab);
  return [v4, ...v6, ...allLansBoth(lab)];
};

export const transit = {
  name: 'transit',
  title: { a: 'a transit', one: 'transit', many: 'transits' },
  topology: {
    routerFields: {},
    router: () => ({}),
    sharesAs: false,
    noSameRoleLink: null,
    required: null,
    buysTransit: false,
    prefersCustomers: true,
    hostsClients: false,
    servesAnycast: false,
  },
  render: {
    describe: () => 'transit network',
    policySummary: 'A transit carries the anycast prefix toward clients and client LANs toward PoPs.',
    accepts: (lab) => carried(lab),
    // Whatever it carries that the neighbour takes: no more-specifics, no defaults.
    sends: (lab, _self, peerAccepts) => carried(lab).filter((p) => peerAccepts.includes(p)),
    networkLines: () => [],
    daemons: BGP_WITH_BFD,
  },
  converge: {
    // The anycast prefix toward clients, every client LAN toward PoPs.
    routes: (lab) => carried(lab),
    runtimeOwned: () => [],
  },
  container: FRR_ONLY_CONTAINER,
  status: null,
} satisfies RoleSpec<'transit'>;
