// The PoP's authoritative data, built once from pop.json, with RDATA already
// in wire format so answering copies bytes. Pure.
import type { PopAgentConfig } from '../../contract/agent.js';
import { defaultSoa } from '../../contract/agent.js';
import { inZone, normalizeZone } from './config.js';
import { CLASS, TYPE } from './dns2.js';
import type { WireRR } from './wire.js';
import { aaaaRdata, aRdata, nameWire, soaRdata, txtRdata } from './wire.js';

export interface ZoneData {
  pop: string;
  /** The PoP id as NSID bytes (RFC 5001 §2.3: opaque; ASCII here). */
  nsid: Buffer;
  /** TXT RDATA of the CHAOS identity answer. */
  chaosTxt: Buffer;
  /** Lower case, trailing dot, e.g. "lab.". */
  zone: string;
  whoami: string;
  /** Owner name -> A RDATA. */
  a: ReadonlyMap<string, Buffer>;
  /** Owner name -> AAAA RDATA (dual-stack labs; empty otherwise). */
  aaaa: ReadonlyMap<string, Buffer>;
  /** Owner name -> TXT RDATA. */
  txt: ReadonlyMap<string, Buffer>;
  /** Every owner name plus its ancestors inside the zone: an empty non-terminal is NODATA, not NXDOMAIN (RFC 8020). */
  names: ReadonlySet<string>;
  /** The apex SOA, owner written out, for negative answers (RFC 2308 §3). */
  soa: WireRR;
  /** NS RDATA of the apex, one per name server. */
  ns: Buffer[];
  /** A and AAAA records of the in-zone name servers, owner written out: the additional section of an NS answer. */
  nsAddresses: WireRR[];
  ttl: { a: number; negative: number };
}

/** Names that answer the CHAOS TXT identity queries (RFC 4892 §2). */
export const CHAOS_ID_NAMES: ReadonlySet<string> = new Set(['hostname.bind.', 'id.server.']);

/**
 * Synthetic TXT sizes for exercising truncation from a real lab without a
 * contract change: `mid.<zone>` overflows 512 bytes but fits an EDNS 1232
 * buffer; `big.<zone>` overflows 1232, so over UDP it is always TC=1 and the
 * client has to retry over TCP. A record in pop.json with these names wins.
 */
export const PADDING_NAMES = { mid: 700, big: 1600 } as const;

// Short TTLs: the lab measures which PoP answers; caches would hide it.
const TTL = { a: 5, negative: 5 };

export type ZoneConfig = Pick<PopAgentConfig, 'pop' | 'zone' | 'records'> & Partial<Pick<PopAgentConfig, 'nameservers' | 'soa' | 'ipv6'>>;

export function buildZone(config: ZoneConfig): ZoneData {
  const zone = normalizeZone(config.zone);
  const under = (label: string) => `${label}.${zone === '.' ? '' : zone}`;
  const a = new Map<string, Buffer>();
  for (const [name, address] of Object.entries(config.records)) a.set(fqdn(name), aRdata(address));
  const aaaa = new Map<string, Buffer>();
  for (const [name, address] of Object.entries(config.ipv6?.records ?? {})) aaaa.set(fqdn(name), aaaaRdata(address));
  const txt = new Map<string, Buffer>();
  for (const [label, bytes] of Object.entries(PADDING_NAMES)) {
    if (!a.has(under(label)) && !aaaa.has(under(label))) txt.set(under(label), txtRdata(paddingStrings(config.pop, bytes)));
  }
  const whoami = under('whoami');
  const names = new Set<string>([zone, whoami]);
  for (const name of [...a.keys(), ...aaaa.keys(), ...txt.keys()]) {
    for (let n = name; inZone(n, zone); n = parent(n)) {
      names.add(n);
      if (n === zone) break;
    }
  }
  const nameservers = (config.nameservers ?? [`ns.${zone === '.' ? '' : zone}`]).map(fqdn);
  const fields = config.soa ?? defaultSoa(zone, nameservers);
  // The record's TTL stays at 5 s whatever MINIMUM says: a negative answer is
  // cached for the lower of the two (RFC 2308 §5), and the lab wants short.
  const soa: WireRR = {
    owner: nameWire(zone),
    type: TYPE.SOA,
    class: CLASS.IN,
    ttl: TTL.negative,
    rdata: soaRdata({
      primary: fqdn(fields.mname),
      admin: fqdn(fields.rname),
      serial: fields.serial,
      refresh: fields.refresh,
      retry: fields.retry,
      expiration: fields.expire,
      minimum: fields.minimum,
    }),
  };
  const nsAddresses = nameservers.flatMap((ns) => {
    const v4 = a.get(ns);
    const v6 = aaaa.get(ns);
    return [
      ...(v4 ? [{ owner: nameWire(ns), type: TYPE.A, class: CLASS.IN, ttl: TTL.a, rdata: v4 }] : []),
      ...(v6 ? [{ owner: nameWire(ns), type: TYPE.AAAA, class: CLASS.IN, ttl: TTL.a, rdata: v6 }] : []),
    ];
  });
  return {
    pop: config.pop,
    nsid: Buffer.from(config.pop, 'ascii'),
    chaosTxt: txtRdata([config.pop]),
    zone,
    whoami,
    a,
    aaaa,
    txt,
    names,
    soa,
    ns: nameservers.map(nameWire),
    nsAddresses,
    ttl: TTL,
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

/** Character-strings of at most 200 bytes totalling ~`bytes`, each naming the PoP. */
function paddingStrings(pop: string, bytes: number): string[] {
  const out: string[] = [];
  for (let left = bytes, i = 0; left > 0; i++) {
    const len = Math.min(200, left);
    const head = `pop=${pop} part=${i} `;
    out.push(head + 'x'.repeat(Math.max(0, len - head.length)));
    left -= len;
  }
  return out;
}
