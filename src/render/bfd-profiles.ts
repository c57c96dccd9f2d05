import type { BfdOptions, Link } from '../topology/model.js';

/** Name of the bfdd profile for one (interval, multiplier) pair, e.g. "bfd-300x3". */
export const bfdProfileName = (bfd: BfdOptions): string => `bfd-${bfd.interval}x${bfd.multiplier}`;

/** Distinct profiles used by BFD-enabled links, sorted by interval then multiplier. */
export function bfdProfilesOf(links: readonly Link[]): BfdOptions[] {
  const byName = new Map<string, BfdOptions>();
  for (const { bfd } of links) if (bfd.enabled) byName.set(bfdProfileName(bfd), bfd);
  return [...byName.values()].sort((x, y) => x.interval - y.interval || x.multiplier - y.multiplier);
}

export function bfdBlockLines(profiles: readonly BfdOptions[]): string[] {
  if (profiles.length === 0) return [];
  const lines = [
    '! BFD declares a link dead after interval x multiplier ms without packets and',
    '! tells bgpd at once, so failover does not wait for the BGP hold timer.',
    'bfd',
  ];
  for (const p of profiles) {
    lines.push(
      ` profile ${bfdProfileName(p)}`,
      `  transmit-interval ${p.interval}`,
      `  receive-interval ${p.interval}`,
      `  detect-multiplier ${p.multiplier}`,
      ' exit',
    );
  }
  lines.push('exit', '!');
  return lines;
}
