// Who may announce what to whom. This table is the whole routing policy of the
// lab: PoPs only ever send the anycast prefix, eyeballs only their own LANs, and
// transits carry both. Every list is exact-match (no le/ge), so a more-specific
// or a default route never slips through.

import type { Lab, Router, RouterRole } from '../topology/model.js';

export interface PeerPrefixes {
  /** What the peer may announce to us (IN-<peer>). */
  in: string[];
  /** What we may send to the peer (OUT-<peer>). */
  out: string[];
}

/** Subnets of the client LANs behind one eyeball. */
export const lansOf = (lab: Lab, eyeball: string): string[] =>
  lab.lans.filter((l) => l.eyeball === eyeball).map((l) => l.subnet);

export const allLans = (lab: Lab): string[] => lab.lans.map((l) => l.subnet);

type Rule = (lab: Lab, local: Router, remote: Router) => PeerPrefixes;

const anycast = (lab: Lab): string => lab.anycast.prefix;

// Keyed "<local role>><remote role>". Pairs the topology does not expect
// (PoP–PoP, eyeball–eyeball) accept nothing: a PoP learning the anycast prefix
// from another PoP would blur catchment when its own announcement is withdrawn.
const RULES: Record<`${RouterRole}>${RouterRole}`, Rule> = {
  'pop>transit': (lab) => ({ in: allLans(lab), out: [anycast(lab)] }),
  'pop>eyeball': (lab, _l, remote) => ({ in: lansOf(lab, remote.name), out: [anycast(lab)] }),
  'pop>pop': (lab) => ({ in: [], out: [anycast(lab)] }),

  'transit>pop': (lab) => ({ in: [anycast(lab)], out: allLans(lab) }),
  'transit>eyeball': (lab, _l, remote) => ({ in: lansOf(lab, remote.name), out: [anycast(lab)] }),
  'transit>transit': (lab) => ({ in: [anycast(lab), ...allLans(lab)], out: [anycast(lab), ...allLans(lab)] }),

  'eyeball>transit': (lab, local) => ({ in: [anycast(lab)], out: lansOf(lab, local.name) }),
  'eyeball>pop': (lab, local) => ({ in: [anycast(lab)], out: lansOf(lab, local.name) }),
  'eyeball>eyeball': (lab, local) => ({ in: [], out: lansOf(lab, local.name) }),
};

export function peerPrefixes(lab: Lab, local: Router, remote: Router): PeerPrefixes {
  return RULES[`${local.role}>${remote.role}`](lab, local, remote);
}

/**
 * `ip prefix-list` lines for one list. "Nothing allowed" is written as an
 * explicit `deny any`: FRR cannot express a list with no entries, and a list
 * whose entries were all removed permits everything (lib/plist.c), so the
 * deny entry is what keeps an empty policy closed.
 */
export function prefixListLines(name: string, prefixes: readonly string[]): string[] {
  if (prefixes.length === 0) return [`ip prefix-list ${name} seq 5 deny any`];
  return prefixes.map((p, i) => `ip prefix-list ${name} seq ${(i + 1) * 5} permit ${p}`);
}
