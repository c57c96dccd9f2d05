// An eyeball network: the access network clients sit behind. Buys transit,
// announces only its own LANs and accepts only the anycast prefix.
import { anycastPrefixes, lansOf6, lansOfBoth } from '../families.js';
import { lansOf } from '../model.js';
import { BGP_WITH_BFD } from './frr-daemons.js';
import { FRR_ONLY_CONTAINER, type RoleSpec } from './role-spec.js';

export const eyeball = {
  name: 'eyeball',
  title: { a: 'an eyeball', one: 'eyeball', many: 'eyeballs' },
  topology: {
    routerFields: {},
    router: () => ({}),
    // Any AS with several routers would need iBGP, which the lab does not model.
    sharesAs: false,
    noSameRoleLink: 'eyeballs buy transit and never carry the anycast prefix for each other',
    required: null,
    buysTransit: true,
    prefersCustomers: false,
    hostsClients: true,
    servesAnycast: false,
  },
  render: {
    describe: () => 'eyeball network (client access)',
    policySummary: 'An eyeball announces only its own LANs and accepts only the anycast prefix.',
    accepts: (lab) => anycastPrefixes(lab),
    sends: (lab, self) => lansOfBoth(lab, self.name),
    networkLines: (lab, self, family = 'ipv4') => (family === 'ipv4' ? lansOf(lab, self.name) : lansOf6(lab, self.name)).map((subnet) => `  network ${subnet}`),
    daemons: BGP_WITH_BFD,
  },
  converge: {
    routes: (lab) => anycastPrefixes(lab),
    runtimeOwned: () => [],
  },
  container: FRR_ONLY_CONTAINER,
  status: null,
} satisfies RoleSpec<'eyeball'>;
