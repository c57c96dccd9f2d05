// Builds DNS queries byte by byte, independent of dns2, for the health probe,
// the fuzzer and the tests: a check that uses the codec under test to build
// its input would share its bugs. Pure.
import { NSID_OPTION_CODE } from './nsid.js';

export interface EdnsOptionBytes {
  code: number;
  data: Buffer;
}

export interface QuerySpec {
  id: number;
  name: string;
  type: number;
  class?: number;
  /** Recursion desired; default false. */
  rd?: boolean;
  opcode?: number;
  qr?: boolean;
  /** Add an OPT record (RFC 6891). */
  edns?: { udpSize?: number; version?: number; do?: boolean; options?: EdnsOptionBytes[] };
}

/** RFC 7873 §4: a client cookie is 8 bytes. */
export const COOKIE_OPTION_CODE = 10;

export const nsidRequest = (): EdnsOptionBytes => ({ code: NSID_OPTION_CODE, data: Buffer.alloc(0) });
export const clientCookie = (seed = 0x5eed): EdnsOptionBytes => {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(seed >>> 0, 0);
  data.writeUInt32BE(0xc00c1e, 4);
  return { code: COOKIE_OPTION_CODE, data };
};

export function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length > 63) throw new RangeError(`label "${label}" longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function encodeOptRecord(edns: NonNullable<QuerySpec['edns']>): Buffer {
  const options = (edns.options ?? []).map((o) => {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(o.code, 0);
    head.writeUInt16BE(o.data.length, 2);
    return Buffer.concat([head, o.data]);
  });
  const rdata = Buffer.concat(options);
  const rr = Buffer.alloc(11);
  rr.writeUInt16BE(41, 1);
  rr.writeUInt16BE(edns.udpSize ?? 1232, 3);
  rr[6] = edns.version ?? 0;
  rr[7] = edns.do ? 0x80 : 0;
  rr.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([rr, rdata]);
}

export function buildQuery(q: QuerySpec): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id & 0xffff, 0);
  header[2] = (q.qr ? 0x80 : 0) | (((q.opcode ?? 0) & 0xf) << 3) | (q.rd ? 1 : 0);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(q.edns ? 1 : 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(q.type, 0);
  tail.writeUInt16BE(q.class ?? 1, 2);
  return Buffer.concat([header, encodeName(q.name), tail, q.edns ? encodeOptRecord(q.edns) : Buffer.alloc(0)]);
}

const TYPE_TXT = 16;
const CLASS_CH = 3;

/** CHAOS TXT hostname.bind (RFC 4892): "which server is this?", the query health checks and the fuzzer use. */
export const hostnameBindQuery = (id: number, edns?: QuerySpec['edns']): Buffer =>
  buildQuery({ id, name: 'hostname.bind', type: TYPE_TXT, class: CLASS_CH, edns });

/** RFC 1035 §4.2.2 framing for DNS over TCP. */
export function tcpFrame(message: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(message.length & 0xffff, 0);
  return Buffer.concat([len, message]);
}

export interface HeaderView {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** The 12-byte header of a reply, read without any DNS library. */
export function readHeader(b: Buffer): HeaderView {
  if (b.length < 12) throw new RangeError(`message of ${b.length} bytes has no header`);
  return {
    id: b.readUInt16BE(0),
    qr: (b[2] & 0x80) !== 0,
    opcode: (b[2] >> 3) & 0xf,
    aa: (b[2] & 0x04) !== 0,
    tc: (b[2] & 0x02) !== 0,
    rd: (b[2] & 0x01) !== 0,
    rcode: b[3] & 0xf,
    qdcount: b.readUInt16BE(4),
    ancount: b.readUInt16BE(6),
    nscount: b.readUInt16BE(8),
    arcount: b.readUInt16BE(10),
  };
}
