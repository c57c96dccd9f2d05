// Turns a reply into wire bytes, fitting UDP budgets. Pure. See wire.ts for
// why this does not go through dns2's Packet#toBuffer.
import type { OptReply, Reply } from './answer.js';
import { TYPE_OPT } from './dns2.js';
import { NSID_OPTION_CODE } from './nsid.js';
import { rrLength, writeRR } from './wire.js';

export interface Encoded {
  bytes: Buffer;
  truncated: boolean;
}

const HEADER_BYTES = 12;

/**
 * Serialize; if the result exceeds `limit` (UDP), send TC=1 with the question
 * and the OPT only (RFC 2181 §9 allows dropping whole sections; RFC 6891 §7
 * keeps the OPT so the client still learns our EDNS size). `limit` null
 * means TCP: only the 16-bit length prefix bounds it.
 */
export function encodeResponse(r: Reply, limit: number | null): Encoded {
  const max = limit ?? 0xffff;
  const opt = r.opt ? encodeOpt(r.opt, r.rcode >>> 4) : null;
  const fixed = HEADER_BYTES + (r.question?.length ?? 0) + (opt?.length ?? 0);
  let size = fixed;
  for (const rr of r.answers) size += rrLength(rr);
  for (const rr of r.authorities) size += rrLength(rr);
  let extra = 0;
  for (const rr of r.additionals) extra += rrLength(rr);
  if (size + extra <= max) return { bytes: write(r, opt, false, size + extra), truncated: false };
  // Additional data is a courtesy: dropping it does not set TC (RFC 2181 §9).
  if (size <= max) return { bytes: write({ ...r, additionals: [] }, opt, false, size), truncated: false };
  if (fixed <= max) return { bytes: write(r, opt, true, fixed), truncated: true };
  const bare = HEADER_BYTES + (r.question?.length ?? 0);
  return { bytes: write({ ...r, question: bare <= max ? r.question : null }, null, true, bare <= max ? bare : HEADER_BYTES), truncated: true };
}

function write(r: Reply, opt: Buffer | null, truncated: boolean, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const answers = truncated ? [] : r.answers;
  const authorities = truncated ? [] : r.authorities;
  const additionals = truncated ? [] : r.additionals;
  out.writeUInt16BE(r.id & 0xffff, 0);
  out[2] = 0x80 | ((r.opcode & 0xf) << 3) | (r.aa ? 0x04 : 0) | (truncated ? 0x02 : 0) | (r.rd ? 0x01 : 0);
  // Low 4 bits of the RCODE here, the rest in the OPT TTL (RFC 6891 §6.1.3).
  out[3] = r.rcode & 0xf;
  out.writeUInt16BE(r.question ? 1 : 0, 4);
  out.writeUInt16BE(answers.length, 6);
  out.writeUInt16BE(authorities.length, 8);
  out.writeUInt16BE(additionals.length + (opt ? 1 : 0), 10);
  let o = HEADER_BYTES;
  if (r.question) o += r.question.copy(out, o);
  for (const rr of answers) o = writeRR(out, o, rr);
  for (const rr of authorities) o = writeRR(out, o, rr);
  for (const rr of additionals) o = writeRR(out, o, rr);
  if (opt) o += opt.copy(out, o);
  return out;
}

/** OPT RR, RFC 6891 §6.1.2: root name, TYPE 41, CLASS = UDP size, TTL = ext-rcode|version|DO|Z, then options. */
export function encodeOpt(opt: OptReply, extendedRcode = 0): Buffer {
  const optionLen = opt.nsid ? 4 + opt.nsid.length : 0;
  const b = Buffer.alloc(11 + optionLen);
  b[0] = 0; // root owner name
  b.writeUInt16BE(TYPE_OPT, 1);
  b.writeUInt16BE(opt.udpPayload, 3);
  b[5] = extendedRcode & 0xff;
  b[6] = 0; // EDNS version 0
  b[7] = opt.doFlag ? 0x80 : 0;
  b[8] = 0;
  b.writeUInt16BE(optionLen, 9);
  if (opt.nsid) {
    b.writeUInt16BE(NSID_OPTION_CODE, 11);
    b.writeUInt16BE(opt.nsid.length, 13);
    opt.nsid.copy(b, 15);
  }
  return b;
}
