// Both families' prefixes of a resolved lab, for the roles (topology/roles/)
// and whatever reads their answers. Roles' `accepts`, `sends` and
// `converge.routes` return one list holding both families' prefixes (IPv4
// first, then IPv6; in an [ipv4] lab exactly the list they always returned);
// whatever writes a prefix-list or looks a route up in a RIB splits it with
// `routesByFamily`.
import { type Family, type Lab, lansOf } from './model.js';

/** True when the lab runs IPv6 beside IPv4: its model then carries every `ipv6` part (anycast.ipv6, links, LANs, clients). */
export const isDualStack = (lab: Pick<Lab, 'families'>): boolean => lab.families.includes('ipv6');

/** The address family of a prefix or address: IPv6 ones hold a colon. */
export const familyOf = (prefixOrAddress: string): Family => (prefixOrAddress.includes(':') ? 'ipv6' : 'ipv4');

/** Prefixes split by family, each in its given order. */
export function routesByFamily(prefixes: readonly string[]): Record<Family, string[]> {
  const out: Record<Family, string[]> = { ipv4: [], ipv6: [] };
  for (const p of prefixes) out[familyOf(p)].push(p);
  return out;
}

/** What every PoP announces: the IPv4 prefix, and the /48 in a dual-stack lab. */
export const anycastPrefixes = (lab: Lab): string[] => [lab.anycast.prefix, ...(lab.anycast.ipv6 ? [lab.anycast.ipv6.prefix] : [])];

/** The client LANs' /64s (dual-stack labs; empty otherwise), in the model's LAN order. */
export const allLans6 = (lab: Lab): string[] => lab.lans.flatMap((l) => (l.ipv6 ? [l.ipv6.subnet] : []));

/** The /64s of the client LANs behind one router. */
export const lansOf6 = (lab: Lab, router: string): string[] => lab.lans.flatMap((l) => (l.eyeball === router && l.ipv6 ? [l.ipv6.subnet] : []));

/** Both families' client LANs: every IPv4 LAN, then every IPv6 one. */
export const allLansBoth = (lab: Lab): string[] => [...lab.lans.map((l) => l.subnet), ...allLans6(lab)];

/** Both families' LANs behind one router. */
export const lansOfBoth = (lab: Lab, router: string): string[] => [...lansOf(lab, router), ...lansOf6(lab, router)];
