// Just enough DNS wire format (RFC 1035 §4) to ask "which server is this?":
// a CHAOS-class TXT query for hostname.bind with an EDNS OPT RR carrying an
// empty NSID option (RFC 5001), and a decoder for the TXT strings and the NSID
// in the answer. Hand-written so the agent bundles with no dependencies.

const TYPE_TXT = 16;
const TYPE_OPT = 41;
const CLASS_CH = 3;
const OPT_NSID = 3;
/** EDNS UDP payload size we advertise: the DNS flag day 2020 value, never fragments. */
const EDNS_UDP_SIZE = 1232;

export interface DnsAnswer {
  id: number;
  rcode: number;
  truncated: boolean;
  /** Character-strings of every TXT answer, in order. */
  txt: string[];
  /** NSID payload from the OPT RR, if the server sent one. */
  nsid?: string;
}

export class DnsWireError extends Error {
  readonly code = 'DNS_WIRE';
  constructor(message: string) {
    super(message);
    this.name = 'DnsWireError';
  }
}

/** The PoP id an answer names: the TXT string, else the NSID. */
export const popOf = (a: DnsAnswer): string | undefined => a.txt[0] ?? a.nsid;

export function encodeChaosQuery(id: number, name = 'hostname.bind'): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  const qnameLen = labels.reduce((n, l) => n + 1 + Buffer.byteLength(l), 1);
  const buf = Buffer.alloc(12 + qnameLen + 4 + 11 + 4);
  let o = 0;
  o = buf.writeUInt16BE(id & 0xffff, o);
  // Flags 0: a plain query; RD is meaningless for CHAOS names answered by the server itself.
  o = buf.writeUInt16BE(0, o);
  o = buf.writeUInt16BE(1, o); // QDCOUNT
  o = buf.writeUInt16BE(0, o); // ANCOUNT
  o = buf.writeUInt16BE(0, o); // NSCOUNT
  o = buf.writeUInt16BE(1, o); // ARCOUNT: the OPT RR
  for (const l of labels) {
    o = buf.writeUInt8(Buffer.byteLength(l), o);
    o += buf.write(l, o, 'ascii');
  }
  o = buf.writeUInt8(0, o);
  o = buf.writeUInt16BE(TYPE_TXT, o);
  o = buf.writeUInt16BE(CLASS_CH, o);
  // OPT RR (RFC 6891 §6.1.2): root name, CLASS = UDP size, TTL = ext-rcode/version/flags.
  o = buf.writeUInt8(0, o);
  o = buf.writeUInt16BE(TYPE_OPT, o);
  o = buf.writeUInt16BE(EDNS_UDP_SIZE, o);
  o = buf.writeUInt32BE(0, o);
  o = buf.writeUInt16BE(4, o); // RDLENGTH: one option header
  o = buf.writeUInt16BE(OPT_NSID, o);
  buf.writeUInt16BE(0, o); // empty NSID = "please tell me your NSID"
  return buf;
}

/** Reads the query id without a full decode (to match a UDP answer to its probe). */
export const queryIdOf = (buf: Buffer): number | undefined => (buf.length >= 2 ? buf.readUInt16BE(0) : undefined);

export function decodeChaosResponse(buf: Buffer): DnsAnswer {
  if (buf.length < 12) throw new DnsWireError(`message too short (${buf.length} bytes)`);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new DnsWireError('not a response (QR=0)');
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  const out: DnsAnswer = { id, rcode: flags & 0x0f, truncated: (flags & 0x0200) !== 0, txt: [] };
  let o = 12;
  for (let i = 0; i < counts[0]; i++) o = skipName(buf, o) + 4;
  for (let section = 1; section <= 3; section++) {
    for (let i = 0; i < counts[section]; i++) {
      o = skipName(buf, o);
      need(buf, o, 10);
      const type = buf.readUInt16BE(o);
      const rdlen = buf.readUInt16BE(o + 8);
      const rdata = o + 10;
      need(buf, rdata, rdlen);
      if (section === 1 && type === TYPE_TXT) out.txt.push(...readTxt(buf, rdata, rdlen));
      if (section === 3 && type === TYPE_OPT) {
        const nsid = readNsid(buf, rdata, rdlen);
        if (nsid !== undefined) out.nsid = nsid;
      }
      o = rdata + rdlen;
    }
  }
  return out;
}

function readTxt(buf: Buffer, start: number, len: number): string[] {
  const strings: string[] = [];
  for (let o = start; o < start + len; ) {
    const n = buf[o];
    need(buf, o + 1, n);
    strings.push(buf.toString('utf8', o + 1, o + 1 + n));
    o += 1 + n;
  }
  return strings;
}

function readNsid(buf: Buffer, start: number, len: number): string | undefined {
  for (let o = start; o + 4 <= start + len; ) {
    const code = buf.readUInt16BE(o);
    const n = buf.readUInt16BE(o + 2);
    need(buf, o + 4, n);
    if (code === OPT_NSID) return buf.toString('utf8', o + 4, o + 4 + n);
    o += 4 + n;
  }
  return undefined;
}

/** Returns the offset after a (possibly compressed, RFC 1035 §4.1.4) name. */
function skipName(buf: Buffer, o: number): number {
  for (let labels = 0; labels < 128; labels++) {
    need(buf, o, 1);
    const len = buf[o];
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2; // a pointer ends the name
    o += 1 + len;
  }
  throw new DnsWireError('name too long');
}

function need(buf: Buffer, o: number, n: number): void {
  if (o + n > buf.length) throw new DnsWireError(`truncated message (need ${o + n} bytes, have ${buf.length})`);
}
