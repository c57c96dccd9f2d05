// IPv4 arithmetic for address allocation. Parsing is ipaddr.js's job; the
// rest is integer math on 32-bit addresses.
import ipaddr from 'ipaddr.js';

export interface Cidr {
  base: number;
  bits: number;
}

export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

/** A network with no host bits set, e.g. 10.0.0.0/8 but not 10.0.0.1/8. */
export function isNetwork(s: string): boolean {
  const c = tryParseCidr(s);
  return c !== undefined && (c.base & mask(c.bits)) >>> 0 === c.base;
}

export function tryParseCidr(s: string): Cidr | undefined {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length || len === undefined || !/^\d{1,2}$/.test(len) || !isIPv4(addr)) return undefined;
  const bits = Number(len);
  if (bits > 32) return undefined;
  return { base: toInt(addr), bits };
}

export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (!c) throw new Error(`not an IPv4 network: ${s}`);
  return c;
}

export const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

export function toInt(addr: string): number {
  return ipaddr.IPv4.parse(addr).octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export const formatCidr = (c: Cidr): string => `${fromInt(c.base)}/${c.bits}`;

export const size = (c: Cidr): number => 2 ** (32 - c.bits);

export function contains(net: Cidr, addr: string | number): boolean {
  const a = typeof addr === 'string' ? toInt(addr) : addr;
  return (a & mask(net.bits)) >>> 0 === net.base;
}

export function overlaps(x: Cidr, y: Cidr): boolean {
  const bits = Math.min(x.bits, y.bits);
  return (x.base & mask(bits)) >>> 0 === (y.base & mask(bits)) >>> 0;
}

/** n-th address of a network (0 = the network address). */
export const hostAt = (net: Cidr, n: number): string => fromInt((net.base + n) >>> 0);

/**
 * FNV-1a of a name: a slot that depends on the name alone, not on where the
 * name sits in the file, so adding or moving an entry moves nothing else.
 */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Hands out blocks of one size from a pool by key: each key starts at the
 * slot its name hashes to and probes forward past taken or reserved slots.
 * Callers allocate keys in sorted order, so the result depends on the set of
 * keys, not on their order in the file; an added key can only move an
 * existing one if it lands on that very slot and sorts first (a few in
 * thousands of slots, for the pools' defaults).
 * `skip`: slot indexes never handed out (a pool's network and broadcast address).
 */
export class KeyedAllocator {
  private readonly taken = new Set<number>();
  private readonly slots: number;
  constructor(
    private readonly pool: Cidr,
    private readonly bits: number,
    private readonly reserved: Cidr[] = [],
    private readonly skip: (slot: number, slots: number) => boolean = () => false,
  ) {
    this.slots = pool.bits > bits ? 0 : 2 ** (bits - pool.bits);
  }

  allocate(key: string): Cidr | undefined {
    const step = 2 ** (32 - this.bits);
    const start = nameHash(key) % Math.max(1, this.slots);
    for (let i = 0; i < this.slots; i++) {
      const slot = (start + i) % this.slots;
      if (this.taken.has(slot) || this.skip(slot, this.slots)) continue;
      const candidate = { base: (this.pool.base + slot * step) >>> 0, bits: this.bits };
      if (this.reserved.some((r) => overlaps(r, candidate))) continue;
      this.taken.add(slot);
      return candidate;
    }
    return undefined;
  }
}
