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
 * Hands out consecutive subnets of one size from a pool, skipping any that
 * overlap a reserved (explicitly configured) subnet.
 */
export class SubnetAllocator {
  private next: number;
  constructor(
    private readonly pool: Cidr,
    private readonly bits: number,
    private readonly reserved: Cidr[] = [],
  ) {
    this.next = pool.base;
  }

  allocate(): Cidr | undefined {
    const step = 2 ** (32 - this.bits);
    const end = this.pool.base + size(this.pool);
    while (this.next + step <= end) {
      const candidate = { base: this.next >>> 0, bits: this.bits };
      this.next += step;
      if (!this.reserved.some((r) => overlaps(r, candidate))) return candidate;
    }
    return undefined;
  }
}
