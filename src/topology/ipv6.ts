// IPv6 arithmetic for the dual-stack lab, the twin of ipv4.ts: parsing is
// ipaddr.js's job, the rest is BigInt math on 128-bit addresses. Every address
// this module prints is in RFC 5952 form (lower case, longest zero run as
// "::"), the form FRR prints in `show running-config`, so rendered and
// running configs compare as text.
import ipaddr from 'ipaddr.js';
import { nameHash } from './ipv4.js';

export interface Cidr6 {
  base: bigint;
  bits: number;
}

const ALL = (1n << 128n) - 1n;

/** Documentation space (RFC 3849): what the anycast /48 defaults to. */
export const DOCUMENTATION6 = '2001:db8::/32';
/** Unique local addresses (RFC 4193): the lab's link and LAN pools. */
export const ULA6 = 'fc00::/7';

export function isIPv6(s: string): boolean {
  return !s.includes('%') && !s.includes('.') && ipaddr.IPv6.isValid(s);
}

export function toBig6(addr: string): bigint {
  return ipaddr.IPv6.parse(addr).parts.reduce((acc, p) => (acc << 16n) | BigInt(p), 0n);
}

function fromBig6(n: bigint): string {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toRFC5952String();
}

const mask6 = (bits: number): bigint => (bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL);

export function tryParseCidr6(s: string): Cidr6 | undefined {
  const [addr, len, ...rest] = s.split('/');
  if (rest.length || len === undefined || !/^\d{1,3}$/.test(len) || !isIPv6(addr)) return undefined;
  const bits = Number(len);
  if (bits > 128) return undefined;
  return { base: toBig6(addr), bits };
}

export function parseCidr6(s: string): Cidr6 {
  const c = tryParseCidr6(s);
  if (!c) throw new Error(`not an IPv6 network: ${s}`);
  return c;
}

/** A network with no host bits set, e.g. fd00:77::/48 but not fd00:77::1/48. */
export function isNetwork6(s: string): boolean {
  const c = tryParseCidr6(s);
  return c !== undefined && (c.base & mask6(c.bits)) === c.base;
}

/** The network with host bits cleared, for messages that name what the person meant. */
export const networkOf6 = (c: Cidr6): Cidr6 => ({ base: c.base & mask6(c.bits), bits: c.bits });

export const formatCidr6 = (c: Cidr6): string => `${fromBig6(c.base)}/${c.bits}`;

/** The RFC 5952 spelling of an address or network, as FRR prints it. */
export function canonical6(s: string): string {
  const c = tryParseCidr6(s);
  return c ? formatCidr6(c) : fromBig6(toBig6(s));
}

export function contains6(net: Cidr6, addr: string | bigint): boolean {
  const a = typeof addr === 'string' ? toBig6(addr) : addr;
  return (a & mask6(net.bits)) === net.base;
}

export function overlaps6(x: Cidr6, y: Cidr6): boolean {
  const m = mask6(Math.min(x.bits, y.bits));
  return (x.base & m) === (y.base & m);
}

/** Is the whole of `inner` inside `outer`? */
export const within6 = (inner: Cidr6, outer: Cidr6): boolean => inner.bits >= outer.bits && contains6(outer, inner.base);

/** n-th address of a network (0 = the network address). */
export const hostAt6 = (net: Cidr6, n: number | bigint): string => fromBig6(net.base + BigInt(n));

/**
 * A host number written so it reads like its IPv4 twin: host 10 of a LAN is
 * `::10` (the hex group 0x10), so c-de at 10.88.0.10 is fd00:88:…::10.
 * Distinct numbers stay distinct (a decimal spelling is unique).
 */
export const mirrorHost6 = (net: Cidr6, host: number): string => hostAt6(net, BigInt(`0x${host}`));

/**
 * Hands out blocks of one size from an IPv6 pool by key, exactly as
 * ipv4.ts's KeyedAllocator does (a slot by the key's name hash, probing
 * forward): a link keeps its /64 when others are added or removed. The slot
 * count is capped at 2^32 (a /48 pool holds 65,536 /64s).
 */
export class KeyedAllocator6 {
  private readonly taken = new Set<number>();
  private readonly slots: number;
  constructor(
    private readonly pool: Cidr6,
    private readonly bits: number,
    private readonly reserved: Cidr6[] = [],
  ) {
    this.slots = pool.bits > bits ? 0 : 2 ** Math.min(32, bits - pool.bits);
  }

  allocate(key: string): Cidr6 | undefined {
    const step = 1n << BigInt(128 - this.bits);
    const start = nameHash(key) % Math.max(1, this.slots);
    for (let i = 0; i < this.slots; i++) {
      const slot = (start + i) % this.slots;
      if (this.taken.has(slot)) continue;
      const candidate = { base: this.pool.base + BigInt(slot) * step, bits: this.bits };
      if (this.reserved.some((r) => overlaps6(r, candidate))) continue;
      this.taken.add(slot);
      return candidate;
    }
    return undefined;
  }
}
