// The PoP's authoritative data, built once from pop.json. Pure.
import type { PopAgentConfig } from '../contract.js';
import { inZone, normalizeZone } from './config.js';

export interface SoaData {
  primary: string;
  admin: string;
  serial: number;
  refresh: number;
  retry: number;
  expiration: number;
  /** Negative-caching TTL (RFC 2308 §4). */
  minimum: number;
}

export interface ZoneData {
  pop: string;
  /** The PoP id as NSID bytes (RFC 5001 §2.3: opaque; ASCII here). */
  nsid: Buffer;
  /** Lower case, trailing dot, e.g. "lab.". */
  zone: string;
  whoami: string;
  a: ReadonlyMap<string, string>;
  txt: ReadonlyMap<string, readonly string[]>;
  /** Every owner name plus its ancestors inside the zone: an empty non-terminal is NODATA, not NXDOMAIN (RFC 8020). */
  names: ReadonlySet<string>;
  soa: SoaData;
  ttl: { a: number; negative: number };
}

/** Names that answer the CHAOS TXT identity queries (RFC 4892 §2). */
export const CHAOS_ID_NAMES: ReadonlySet<string> = new Set(['hostname.bind.', 'id.server.']);

/**
 * Synthetic TXT sizes for exercising truncation from a real lab without a
 * contract change: `mid.<zone>` overflows 512 bytes but fits an EDNS 1232
 * buffer; `big.<zone>` overflows 1232, so over UDP it is always TC=1 and the
 * client has to retry over TCP. Records in pop.json with these names win.
 */
export const PADDING_NAMES = { mid: 700, big: 1600 } as const;

export function buildZone(config: Pick<PopAgentConfig, 'pop' | 'zone' | 'records'>): ZoneData {
  const zone = normalizeZone(config.zone);
  const a = new Map<string, string>();
  for (const [name, address] of Object.entries(config.records)) {
    a.set(fqdn(name), address);
  }
  const txt = new Map<string, string[]>();
  for (const [label, bytes] of Object.entries(PADDING_NAMES)) {
    const name = label + '.' + (zone === '.' ? '' : zone);
    if (!a.has(name)) txt.set(name, paddingStrings(config.pop, bytes));
  }
  const whoami = 'whoami.' + (zone === '.' ? '' : zone);
  const names = new Set<string>([zone, whoami]);
  for (const name of [...a.keys(), ...txt.keys()]) {
    for (let n = name; inZone(n, zone); n = parent(n)) {
      names.add(n);
      if (n === zone) break;
    }
  }
  const apex = zone === '.' ? '' : zone;
  return {
    pop: config.pop,
    nsid: Buffer.from(config.pop, 'ascii'),
    zone,
    whoami,
    a,
    txt,
    names,
    soa: { primary: `ns.${apex}`, admin: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expiration: 86400, minimum: 5 },
    // Short TTLs: the lab measures which PoP answers, caches would hide it.
    ttl: { a: 5, negative: 5 },
  };
}

/** Lower case with one trailing dot; dns2 hands us names without it. */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function parent(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1 || dot === name.length - 1 ? '.' : name.slice(dot + 1);
}

/** Character-strings of at most 255 bytes (RFC 1035 §3.3) totalling ~`bytes`. */
function paddingStrings(pop: string, bytes: number): string[] {
  const out: string[] = [];
  for (let left = bytes, i = 0; left > 0; i++) {
    const head = `pop=${pop} part=${i} `;
    const len = Math.min(200, left);
    out.push((head + 'x'.repeat(Math.max(0, len - head.length))).slice(0, Math.max(len, head.length)));
    left -= len;
  }
  return out;
}
