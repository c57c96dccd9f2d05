// Wire-format pieces for responses (RFC 1035 §3.3, §4.1). Pure.
//
// Responses are written here rather than with dns2's Packet#toBuffer: dns2
// 3.1.1 serializes through an array of single bits, which measured 5-7 µs
// per response (most of the per-query CPU), against well under 1 µs for
// these Buffer writes. dns2 still parses every query.
import { encodeName } from './query.js';

/** A resource record ready to write. Without `owner` the owner name is a compression pointer to the question name. */
export interface WireRR {
  owner?: Buffer;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

/** Offset 12: the question name follows the header (RFC 1035 §4.1.4 pointer 0xC00C). */
const QNAME_POINTER = Buffer.from([0xc0, 0x0c]);

export const nameWire = (name: string): Buffer => encodeName(name);

/** <character-string>s: a length byte, then at most 255 bytes each (RFC 1035 §3.3). */
export function txtRdata(strings: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of strings) {
    const b = Buffer.from(s, 'utf8');
    const len = Math.min(b.length, 255);
    parts.push(Buffer.from([len]), b.subarray(0, len));
  }
  return Buffer.concat(parts);
}

export function aRdata(address: string): Buffer {
  return Buffer.from(address.split('.').map((o) => Number(o)));
}

/** 16 bytes of an IPv6 address (RFC 3596 §2.2); the caller has checked it with isIPv6. */
export function aaaaRdata(address: string): Buffer {
  let text = address.split('%')[0];
  // A trailing dotted quad (::ffff:192.0.2.1) is the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

export function soaRdata(s: { primary: string; admin: string; serial: number; refresh: number; retry: number; expiration: number; minimum: number }): Buffer {
  const nums = Buffer.alloc(20);
  for (const [i, n] of [s.serial, s.refresh, s.retry, s.expiration, s.minimum].entries()) nums.writeUInt32BE(n >>> 0, i * 4);
  return Buffer.concat([nameWire(s.primary), nameWire(s.admin), nums]);
}

export const rrLength = (rr: WireRR): number => (rr.owner ? rr.owner.length : 2) + 10 + rr.rdata.length;

/** Writes `rr` at `offset`, returns the offset after it. */
export function writeRR(out: Buffer, offset: number, rr: WireRR): number {
  offset += (rr.owner ?? QNAME_POINTER).copy(out, offset);
  out.writeUInt16BE(rr.type, offset);
  out.writeUInt16BE(rr.class, offset + 2);
  out.writeUInt32BE(rr.ttl >>> 0, offset + 4);
  out.writeUInt16BE(rr.rdata.length, offset + 8);
  return offset + 10 + rr.rdata.copy(out, offset + 10);
}

/**
 * Bytes of the single question starting at offset 12: QNAME up to its root
 * label or first compression pointer, then QTYPE and QCLASS. Echoed
 * verbatim, so the client gets its own 0x20 case mix back (RFC 4343 §4.1).
 * null if it runs past the message.
 */
export function questionBytes(query: Buffer): Buffer | null {
  let o = 12;
  for (;;) {
    if (o >= query.length) return null;
    const len = query[o];
    if (len === 0) {
      o += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      o += 2;
      break;
    }
    o += 1 + len;
  }
  return o + 4 <= query.length ? query.subarray(12, o + 4) : null;
}
