// One health checker per family in a dual-stack PoP, each checking its own DNS
// address and owning its own prefix: an IPv6 service that dies withdraws only
// the /48, an IPv4 one only the /24. The two share one state file (the IPv4
// state at the top, as single-stack PoPs write it, the IPv6 one under `ipv6`)
// and one log (each line says its family). I/O is injected, as in the checker.
import type { PopAgentConfig } from '../../contract/agent.js';
import type { BgpControl } from './bgp.js';
import type { HealthChecker, HealthCheckerDeps, HealthFamily, HealthFile, PopHealthFile } from './health-checker.js';
import { popHealthFile, startHealthChecker } from './health-checker.js';
import type { ProbeResult } from './health-probe.js';
import { errorFields } from './log.js';

export interface WatchedFamily {
  family: HealthFamily;
  dnsAddress: string;
  prefix: string;
}

/** The IPv4 service always, the IPv6 one when pop.json has `ipv6`. */
export const watchedFamilies = (config: Pick<PopAgentConfig, 'dnsAddress' | 'prefix' | 'ipv6'>): WatchedFamily[] => [
  { family: 'ipv4', dnsAddress: config.dnsAddress, prefix: config.prefix },
  ...(config.ipv6 ? [{ family: 'ipv6' as const, dnsAddress: config.ipv6.dnsAddress, prefix: config.ipv6.prefix }] : []),
];

export interface FamilyCheckerDeps extends Omit<HealthCheckerDeps, 'check' | 'bgp' | 'writeState'> {
  /** A check of the DNS service on `address` (a CHAOS probe in the PoP). */
  check(address: string, timeoutMs: number): Promise<ProbeResult>;
  bgpFor(prefix: string): BgpControl;
  writeState(file: PopHealthFile): Promise<void>;
}

export interface FamilyCheckerOptions {
  intervalMs: number;
  policy: { failures: number; holdDownMs: number };
  startupGraceMs?: number;
}

export function startFamilyCheckers(
  config: Pick<PopAgentConfig, 'dnsAddress' | 'prefix' | 'ipv6'>,
  o: FamilyCheckerOptions,
  d: FamilyCheckerDeps,
): { family: HealthFamily; checker: HealthChecker }[] {
  const dual = !!config.ipv6;
  const parts: Partial<Record<HealthFamily, HealthFile>> = {};
  // Chained, so two renames never race on the same temporary file.
  let writing: Promise<void> = Promise.resolve();
  const writeState = (family: HealthFamily, s: HealthFile): Promise<void> => {
    parts[family] = s;
    const file = popHealthFile(parts.ipv4, parts.ipv6);
    if (!file) return writing;
    writing = writing.then(() => d.writeState(file)).catch((e) => d.log.error('health state write failed', errorFields(e)));
    return writing;
  };
  return watchedFamilies(config).map((w) => ({
    family: w.family,
    checker: startHealthChecker(
      // A single-stack PoP's lines and state stay exactly as they were: no family stamp.
      { ...o, ...(dual ? { family: w.family } : {}) },
      { ...d, check: (t) => d.check(w.dnsAddress, t), bgp: d.bgpFor(w.prefix), writeState: (s) => writeState(w.family, s) },
    ),
  }));
}
