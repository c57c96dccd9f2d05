// The responder's decision, as a pure function of the parsed query, its raw
// bytes, the client's address and the zone: what to send back, or nothing.
// Transports (dns-udp, dns-tcp) only parse, serialize and count.

import type { Packet, Resource } from './dns2.js';
import { CLASS, OPCODE_QUERY, RCODE, TYPE, TYPE_OPT } from './dns2.js';
import { NSID_OPTION_CODE } from './nsid.js';
import type { WireRR } from './wire.js';
import { questionBytes, txtRdata } from './wire.js';
import type { ZoneData } from './zone.js';
import { CHAOS_ID_NAMES, fqdn } from './zone.js';

export type Transport = 'udp' | 'tcp';

export interface QueryContext {
  clientAddress: string;
  transport: Transport;
}

export interface Reply {
  action: 'reply';
  id: number;
  opcode: number;
  /** Copied from the query (RFC 1035 §4.1.1); RA stays 0, we do not recurse. */
  rd: boolean;
  aa: boolean;
  /** Full RCODE; above 15 only with an OPT (RFC 6891 §6.1.3). */
  rcode: number;
  /** The query's question, verbatim; null when it cannot be trusted (FORMERR). */
  question: Buffer | null;
  answers: WireRR[];
  authorities: WireRR[];
  /** Besides the OPT: the name servers' addresses with an NS answer (RFC 1035 §4.1; droppable, RFC 2181 §9). */
  additionals: WireRR[];
  /** Present iff the query carried exactly one OPT. */
  opt: OptReply | null;
  /** Bytes the client accepts over UDP (RFC 6891 §6.2.3 / RFC 1035 §4.2.1). */
  udpLimit: number;
}

export type Verdict = { action: 'drop'; reason: 'response' } | Reply;

/** The response's OPT pseudo-record (RFC 6891 §6.1.2). */
export interface OptReply {
  udpPayload: number;
  /** DO is echoed (RFC 3225 §3) even though we never sign. */
  doFlag: boolean;
  /** Our NSID when the query asked for it (RFC 5001 §2.1), else null. */
  nsid: Buffer | null;
}

export interface AnswerLimits {
  /** Ceiling on the client's advertised EDNS size: 1232 avoids IP fragmentation (DNS flag day 2020). */
  maxUdpPayload: number;
}

export const DEFAULT_LIMITS: AnswerLimits = { maxUdpPayload: 1232 };
/** Without EDNS a UDP response may not exceed 512 bytes (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;

const TYPE_IXFR = 251;

export function answerQuery(request: Packet, query: Buffer, ctx: QueryContext, zone: ZoneData, limits: AnswerLimits = DEFAULT_LIMITS): Verdict {
  const h = request.header;
  // A response arriving at a server is reflection or a loop; answering it
  // could ping-pong between two servers forever.
  if (h.qr) return { action: 'drop', reason: 'response' };

  let opt: Resource | undefined;
  let optCount = 0;
  for (const r of request.additionals) {
    if (r.type === TYPE_OPT) {
      opt = r;
      optCount++;
    }
  }
  if (optCount > 1) opt = undefined;
  const reply: Reply = {
    action: 'reply',
    id: h.id,
    opcode: h.opcode,
    rd: !!h.rd,
    aa: false,
    rcode: RCODE.NOERROR,
    question: null,
    answers: [],
    authorities: [],
    additionals: [],
    opt: opt ? optReply(opt, zone.nsid, limits) : null,
    udpLimit: opt ? Math.min(Math.max(opt.class, CLASSIC_UDP_LIMIT), limits.maxUdpPayload) : CLASSIC_UDP_LIMIT,
  };
  const wellFormed = request.errors.length === 0 && h.qdcount === 1 && request.questions.length === 1;
  if (wellFormed) reply.question = questionBytes(query);

  if (h.opcode !== OPCODE_QUERY) return { ...reply, rcode: RCODE.NOTIMP };
  // RFC 6891 §6.1.1: more than one OPT is FORMERR. So is any record dns2
  // could not decode (a lying OPT option length lands here), and anything but
  // exactly one question (RFC 9619).
  if (!wellFormed || optCount > 1 || reply.question === null) return { ...reply, rcode: RCODE.FORMERR, question: null };
  // RFC 6891 §6.1.3: we speak EDNS version 0 only.
  if (opt && (opt.version ?? 0) !== 0) return { ...reply, rcode: RCODE.BADVERS };

  const q = request.questions[0];
  const name = fqdn(q.name);

  if (q.class === CLASS.CH) {
    if (!CHAOS_ID_NAMES.has(name)) return { ...reply, rcode: RCODE.REFUSED };
    reply.aa = true;
    if (q.type === TYPE.TXT || q.type === TYPE.ANY) reply.answers.push({ type: TYPE.TXT, class: CLASS.CH, ttl: 0, rdata: zone.chaosTxt });
    return reply;
  }
  if (q.class !== CLASS.IN && q.class !== CLASS.ANY) return { ...reply, rcode: RCODE.REFUSED };
  if (!(zone.zone === '.' || name === zone.zone || name.endsWith(`.${zone.zone}`))) return { ...reply, rcode: RCODE.REFUSED };
  // Zone transfers are not offered; REFUSED is what a primary tells strangers.
  if (q.type === TYPE.AXFR || q.type === TYPE_IXFR) return { ...reply, rcode: RCODE.REFUSED };

  reply.aa = true;
  lookup(name, q.type, ctx, zone, reply);
  if (reply.answers.length === 0) {
    // RFC 2308 §3: negative answers carry the zone's SOA for negative caching.
    reply.authorities.push(zone.soa);
    if (!zone.names.has(name)) reply.rcode = RCODE.NXDOMAIN;
  }
  return reply;
}

function lookup(name: string, qtype: number, ctx: QueryContext, zone: ZoneData, reply: Reply): void {
  const out = reply.answers;
  const any = qtype === TYPE.ANY;
  // The SOA's owner is the apex, which is the question name here.
  if ((qtype === TYPE.SOA || any) && name === zone.zone) out.push({ ...zone.soa, owner: undefined });
  if ((qtype === TYPE.NS || any) && name === zone.zone) {
    for (const rdata of zone.ns) out.push({ type: TYPE.NS, class: CLASS.IN, ttl: zone.ttl.a, rdata });
    reply.additionals.push(...zone.nsAddresses);
  }
  if (qtype === TYPE.A || any) {
    const rdata = zone.a.get(name);
    if (rdata) out.push({ type: TYPE.A, class: CLASS.IN, ttl: zone.ttl.a, rdata });
  }
  if (qtype === TYPE.AAAA || any) {
    const rdata = zone.aaaa.get(name);
    if (rdata) out.push({ type: TYPE.AAAA, class: CLASS.IN, ttl: zone.ttl.a, rdata });
  }
  if (qtype === TYPE.TXT || any) {
    if (name === zone.whoami) out.push({ type: TYPE.TXT, class: CLASS.IN, ttl: 0, rdata: txtRdata([`pop=${zone.pop}`, `client=${ctx.clientAddress}`]) });
    const rdata = zone.txt.get(name);
    if (rdata) out.push({ type: TYPE.TXT, class: CLASS.IN, ttl: zone.ttl.a, rdata });
  }
}

function optReply(requestOpt: Resource, nsid: Buffer, limits: AnswerLimits): OptReply {
  // Whatever precedes NSID (a COOKIE, say) does not matter: dns2 walks the
  // options in sequence and our registered codec picks NSID out.
  const asked = (requestOpt.rdata ?? []).some((o) => o.ednsCode === NSID_OPTION_CODE);
  return { udpPayload: limits.maxUdpPayload, doFlag: !!requestOpt.doFlag, nsid: asked ? nsid : null };
}
