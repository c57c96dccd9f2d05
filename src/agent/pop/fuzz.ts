// Deterministic generator of malformed (and a few valid-but-odd) DNS
// messages: the same seed always yields the same bytes, so a packet that
// upsets a PoP in the lab can be replayed on loopback. Pure.

import { seededRandom } from '../../util/rng.js';
import { buildQuery, clientCookie, encodeOptRecord, hostnameBindQuery, nsidRequest } from './query.js';

export type FuzzKind =
  | 'random-bytes'
  | 'short-header'
  | 'qdcount-zero'
  | 'all-counts-max'
  | 'pointer-self-loop'
  | 'pointer-two-cycle'
  | 'pointer-out-of-range'
  | 'reserved-label-bits'
  | 'name-too-long'
  | 'truncated-question'
  | 'opt-option-length-lies'
  | 'opt-rdlength-overruns'
  | 'multiple-opt'
  | 'edns-version-1'
  | 'bad-additional-rdata'
  | 'cookie-before-nsid'
  | 'qr-set'
  | 'bad-opcode'
  | 'trailing-garbage'
  | 'bit-flip';

/**
 * What a correct responder does with the packet over UDP: `drop` (no reply),
 * an RCODE name, or `any` when the bytes are random enough that only "does
 * not crash" is a fair expectation.
 */
export type FuzzExpect = 'drop' | 'any' | 'NOERROR' | 'FORMERR' | 'NOTIMP' | 'BADVERS';

export interface FuzzPacket {
  index: number;
  kind: FuzzKind;
  /** DNS message ID when the header is intact, for matching replies. */
  id: number | null;
  bytes: Buffer;
  expect: FuzzExpect;
}

export interface FuzzOptions {
  seed?: number;
  count: number;
  /** A name the target answers NOERROR for, e.g. "anycast.lab". */
  goodName?: string;
}

/** The project's one seeded PRNG (mulberry32): the same sequence on every platform. */
export const prng = seededRandom;

const TYPE_A = 1;

type Gen = (rnd: Rng, id: number, goodName: string) => { bytes: Buffer; expect: FuzzExpect; hasId?: boolean };

interface Rng {
  int(maxExclusive: number): number;
  bytes(n: number): Buffer;
}

const header = (id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(flags, 2);
  b.writeUInt16BE(qd, 4);
  b.writeUInt16BE(an, 6);
  b.writeUInt16BE(ns, 8);
  b.writeUInt16BE(ar, 10);
  return b;
};
const qtail = (type = TYPE_A, cls = 1): Buffer => Buffer.from([type >> 8, type & 255, cls >> 8, cls & 255]);
const withArcount = (msg: Buffer, ar: number): Buffer => {
  const out = Buffer.from(msg);
  out.writeUInt16BE(ar, 10);
  return out;
};

const GENERATORS: Record<FuzzKind, Gen> = {
  'random-bytes': (r) => ({ bytes: r.bytes(r.int(600)), expect: 'any', hasId: false }),
  'short-header': (r) => ({ bytes: r.bytes(r.int(12)), expect: 'drop', hasId: false }),
  'qdcount-zero': (_r, id) => ({ bytes: header(id, 0, 0), expect: 'FORMERR' }),
  'all-counts-max': (r, id, good) => ({
    bytes: Buffer.concat([header(id, 0, 0xffff, 0xffff, 0xffff, 0xffff), buildQuery({ id, name: good, type: TYPE_A }).subarray(12), r.bytes(r.int(64))]),
    expect: 'FORMERR',
  }),
  // Name at offset 12 is a pointer to offset 12.
  'pointer-self-loop': (_r, id) => ({ bytes: Buffer.concat([header(id, 0, 1), Buffer.from([0xc0, 12]), qtail()]), expect: 'FORMERR' }),
  // "a" then a pointer back to the start of the name: a -> a -> a ...
  'pointer-two-cycle': (_r, id) => ({ bytes: Buffer.concat([header(id, 0, 1), Buffer.from([1, 0x61, 0xc0, 12]), qtail()]), expect: 'FORMERR' }),
  'pointer-out-of-range': (r, id) => ({ bytes: Buffer.concat([header(id, 0, 1), Buffer.from([0xc0 | r.int(64), 0xff]), qtail()]), expect: 'FORMERR' }),
  'reserved-label-bits': (r, id) => ({ bytes: Buffer.concat([header(id, 0, 1), Buffer.from([r.int(2) ? 0x40 : 0x80, 0x61, 0]), qtail()]), expect: 'FORMERR' }),
  // 128 one-byte labels = 257 octets, over the 255 limit (RFC 1035 §2.3.4).
  'name-too-long': (_r, id) => ({
    bytes: Buffer.concat([header(id, 0, 1), Buffer.from(Array.from({ length: 128 }, () => [1, 0x78]).flat()), Buffer.from([0]), qtail()]),
    expect: 'FORMERR',
  }),
  'truncated-question': (r, id, good) => {
    const q = buildQuery({ id, name: good, type: TYPE_A });
    return { bytes: q.subarray(0, 12 + 1 + r.int(q.length - 14)), expect: 'FORMERR' };
  },
  'opt-option-length-lies': (r, id, good) => {
    const opt = encodeOptRecord({ options: [{ code: 3, data: Buffer.alloc(0) }] });
    opt.writeUInt16BE(100 + r.int(60000), 13); // option length far past RDLENGTH
    return { bytes: Buffer.concat([withArcount(buildQuery({ id, name: good, type: TYPE_A }), 1), opt]), expect: 'FORMERR' };
  },
  'opt-rdlength-overruns': (r, id, good) => {
    const opt = encodeOptRecord({ options: [nsidRequest()] });
    opt.writeUInt16BE(50 + r.int(60000), 9);
    return { bytes: Buffer.concat([withArcount(buildQuery({ id, name: good, type: TYPE_A }), 1), opt]), expect: 'FORMERR' };
  },
  'multiple-opt': (_r, id, good) => ({
    bytes: Buffer.concat([withArcount(buildQuery({ id, name: good, type: TYPE_A }), 2), encodeOptRecord({}), encodeOptRecord({ options: [nsidRequest()] })]),
    expect: 'FORMERR',
  }),
  'edns-version-1': (_r, id, good) => ({ bytes: buildQuery({ id, name: good, type: TYPE_A, edns: { version: 1 } }), expect: 'BADVERS' }),
  // An A record with a 2-byte RDATA in the additional section.
  'bad-additional-rdata': (_r, id, good) => ({
    bytes: Buffer.concat([withArcount(buildQuery({ id, name: good, type: TYPE_A }), 1), Buffer.from([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 2, 1, 2])]),
    expect: 'FORMERR',
  }),
  'cookie-before-nsid': (r, id) => ({
    bytes: hostnameBindQuery(id, { options: [clientCookie(r.int(2 ** 31)), nsidRequest()] }),
    expect: 'NOERROR',
  }),
  'qr-set': (_r, id, good) => ({ bytes: buildQuery({ id, name: good, type: TYPE_A, qr: true }), expect: 'drop' }),
  // Every opcode but QUERY (0): IQUERY, STATUS, NOTIFY, UPDATE, DSO, unassigned.
  'bad-opcode': (r, id, good) => ({ bytes: buildQuery({ id, name: good, type: TYPE_A, opcode: 1 + r.int(15) }), expect: 'NOTIMP' }),
  'trailing-garbage': (r, id, good) => ({ bytes: Buffer.concat([buildQuery({ id, name: good, type: TYPE_A }), r.bytes(1 + r.int(100))]), expect: 'NOERROR' }),
  'bit-flip': (r, id, good) => {
    const b = Buffer.from(buildQuery({ id, name: good, type: TYPE_A, edns: { options: [nsidRequest()] } }));
    for (let n = 1 + r.int(8); n > 0; n--) {
      const bit = r.int(b.length * 8);
      b[bit >> 3] ^= 0x80 >> (bit & 7);
    }
    return { bytes: b, expect: 'any', hasId: false };
  },
};

export const FUZZ_KINDS = Object.keys(GENERATORS) as FuzzKind[];

export function* fuzzPackets(o: FuzzOptions): Generator<FuzzPacket> {
  const next = prng(o.seed ?? 0xd15ea5e);
  const rng: Rng = {
    int: (max) => Math.floor(next() * Math.max(1, max)),
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
  const goodName = o.goodName ?? 'anycast.lab';
  for (let index = 0; index < o.count; index++) {
    const kind = FUZZ_KINDS[rng.int(FUZZ_KINDS.length)];
    const id = rng.int(0x10000);
    const { bytes, expect, hasId = true } = GENERATORS[kind](rng, id, goodName);
    yield { index, kind, id: hasId ? id : null, bytes, expect };
  }
}
