// Who may announce what to whom. Each role says what it accepts from any
// neighbour and what it sends a given one (topology/roles/); a session's
// IN- list is what the neighbour sends, narrowed to what we accept, and its
// OUT- list what we send. Every list is exact-match (no le/ge), so a
// more-specific or a default route never slips through.

import type { Family, Lab, Router } from '../topology/model.js';
import { roleSpec } from '../topology/roles/registry.js';

/** Both families' prefixes in each list (split by routesByFamily into IN-/IN6- and OUT-/OUT6-). */
export interface PeerPrefixes {
  /** What the peer may announce to us (IN-<peer>, IN6-<peer>). */
  in: string[];
  /** What we may send to the peer (OUT-<peer>, OUT6-<peer>). */
  out: string[];
}

const sendsTo = (lab: Lab, from: Router, to: Router): string[] => roleSpec(from.role).render.sends(lab, from, roleSpec(to.role).render.accepts(lab, to));

export function peerPrefixes(lab: Lab, local: Router, remote: Router): PeerPrefixes {
  const accepts = roleSpec(local.role).render.accepts(lab, local);
  return { in: sendsTo(lab, remote, local).filter((p) => accepts.includes(p)), out: sendsTo(lab, local, remote) };
}

/**
 * `ip prefix-list` (`ipv6 prefix-list` for the ipv6 family) lines for one list. "Nothing allowed" is written as an
 * explicit `deny any`: FRR cannot express a list with no entries, and a list
 * whose entries were all removed permits everything (lib/plist.c), so the
 * deny entry is what keeps an empty policy closed.
 */
export function prefixListLines(name: string, prefixes: readonly string[], family: Family = 'ipv4'): string[] {
  const ip = family === 'ipv4' ? 'ip' : 'ipv6';
  if (prefixes.length === 0) return [`${ip} prefix-list ${name} seq 5 deny any`];
  return prefixes.map((p, i) => `${ip} prefix-list ${name} seq ${(i + 1) * 5} permit ${p}`);
}
