// The responder's decision, as a pure function of the parsed query, the
// client's address and the zone: what to send back, or to send nothing.
// Transports (dns-udp, dns-tcp) only parse, serialize and count.
import { CLASS, OPCODE_QUERY, Packet, RCODE, TYPE, TYPE_OPT } from './dns2.js';
import type { Resource } from './dns2.js';
import { NSID_OPTION_CODE } from './nsid.js';
import { CHAOS_ID_NAMES, fqdn } from './zone.js';
import type { ZoneData } from './zone.js';

export type Transport = 'udp' | 'tcp';

export interface QueryContext {
  clientAddress: string;
  transport: Transport;
}

export type Verdict =
  | { action: 'drop'; reason: 'response' }
  | {
      action: 'reply';
      /** Header, question, answer and authority sections; the OPT travels in `opt`. */
      response: Packet;
      /** Full RCODE; above 15 only with an OPT (RFC 6891 §6.1.3). */
      rcode: number;
      /** Present iff the query carried exactly one OPT. */
      opt: OptReply | null;
      /** Bytes the client accepts over UDP (RFC 6891 §6.2.3 / RFC 1035 §4.2.1). */
      udpLimit: number;
    };

/** The response's OPT pseudo-record (RFC 6891 §6.1.2), encoded by encode.ts. */
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

export function answerQuery(request: Packet, ctx: QueryContext, zone: ZoneData, limits: AnswerLimits = DEFAULT_LIMITS): Verdict {
  const h = request.header;
  // A response arriving at a server is either reflection or a loop: answering
  // it could ping-pong forever between two servers (RFC 1035 §7.3 spirit).
  if (h.qr) return { action: 'drop', reason: 'response' };

  const opts = request.additionals.filter((r) => r.type === TYPE_OPT);
  const opt = opts.length === 1 ? opts[0] : undefined;
  const nsid = zone.nsid;
  const udpLimit = opt ? Math.min(Math.max(opt.class, CLASSIC_UDP_LIMIT), limits.maxUdpPayload) : CLASSIC_UDP_LIMIT;
  const reply = (rcode: number, build?: (r: Packet) => void, withQuestion = true): Verdict => {
    const response = responseFor(request, withQuestion);
    response.header.rcode = rcode;
    build?.(response);
    return { action: 'reply', response, rcode, opt: opt ? optReply(opt, nsid, limits) : null, udpLimit };
  };

  if (h.opcode !== OPCODE_QUERY) return reply(RCODE.NOTIMP);
  // RFC 6891 §6.1.1: more than one OPT is FORMERR. So is any record dns2 could
  // not decode (a lying OPT option length lands here too), and anything but
  // exactly one question (RFC 9619).
  if (opts.length > 1 || request.errors.length > 0 || h.qdcount !== 1 || request.questions.length !== 1) {
    return reply(RCODE.FORMERR, undefined, request.errors.length === 0 && request.questions.length === 1);
  }
  // RFC 6891 §6.1.3: we speak EDNS version 0 only.
  if (opt && (opt.version ?? 0) !== 0) return reply(RCODE.BADVERS);

  const q = request.questions[0];
  const name = fqdn(q.name);

  if (q.class === CLASS.CH) {
    if (!CHAOS_ID_NAMES.has(name)) return reply(RCODE.REFUSED);
    return reply(RCODE.NOERROR, (r) => {
      r.header.aa = 1;
      if (q.type === TYPE.TXT || q.type === TYPE.ANY) r.answers.push(txt(q.name, CLASS.CH, 0, [zone.pop]));
    });
  }
  if (q.class !== CLASS.IN && q.class !== CLASS.ANY) return reply(RCODE.REFUSED);
  if (!(zone.zone === '.' || name === zone.zone || name.endsWith('.' + zone.zone))) return reply(RCODE.REFUSED);
  // Zone transfers are not offered; REFUSED is what a primary says to strangers.
  if (q.type === TYPE.AXFR || q.type === TYPE_IXFR) return reply(RCODE.REFUSED);

  const answers = lookup(q.name, name, q.type, ctx, zone);
  const exists = answers.length > 0 || zone.names.has(name);
  return reply(exists ? RCODE.NOERROR : RCODE.NXDOMAIN, (r) => {
    r.header.aa = 1;
    r.answers = answers;
    // RFC 2308 §3: negative answers carry the zone's SOA for negative caching.
    if (answers.length === 0) r.authorities.push(soa(zone));
  });
}

function lookup(qname: string, name: string, qtype: number, ctx: QueryContext, zone: ZoneData): Resource[] {
  const any = qtype === TYPE.ANY;
  const out: Resource[] = [];
  if (qtype === TYPE.A || any) {
    const address = zone.a.get(name);
    if (address) out.push(rr({ name: qname, type: TYPE.A, class: CLASS.IN, ttl: zone.ttl.a, address }));
  }
  if (qtype === TYPE.TXT || any) {
    if (name === zone.whoami) out.push(txt(qname, CLASS.IN, 0, [`pop=${zone.pop}`, `client=${ctx.clientAddress}`]));
    const strings = zone.txt.get(name);
    if (strings) out.push(txt(qname, CLASS.IN, zone.ttl.a, strings as string[]));
  }
  if ((qtype === TYPE.SOA || any) && name === zone.zone) out.push(soa(zone));
  return out;
}

function responseFor(request: Packet, withQuestion: boolean): Packet {
  const response = new Packet();
  // RD is copied back (RFC 1035 §4.1.1); RA stays 0: we do not recurse.
  response.header = new Packet.Header({ id: request.header.id, qr: 1, opcode: request.header.opcode, rd: request.header.rd });
  if (withQuestion) response.questions = request.questions.slice(0, 1);
  return response;
}

function optReply(requestOpt: Resource, nsid: Buffer, limits: AnswerLimits): OptReply {
  // Whatever precedes NSID (a COOKIE, say) does not matter: dns2 walks the
  // options in sequence and our registered codec picks NSID out.
  const asked = (requestOpt.rdata ?? []).some((o) => o.ednsCode === NSID_OPTION_CODE);
  return { udpPayload: limits.maxUdpPayload, doFlag: !!requestOpt.doFlag, nsid: asked ? nsid : null };
}

const rr = (fields: Partial<Resource> & Pick<Resource, 'name' | 'type' | 'class' | 'ttl'>): Resource => fields as Resource;

const txt = (name: string, cls: number, ttl: number, data: string[]): Resource => rr({ name, type: TYPE.TXT, class: cls, ttl, data });

const soa = (zone: ZoneData): Resource =>
  rr({ name: zone.zone, type: TYPE.SOA, class: CLASS.IN, ttl: zone.ttl.negative, ...zone.soa });
