// answerQuery and encodeResponse as pure functions: parsed query in, verdict out.
import { describe, expect, it } from 'vitest';
import { answerQuery } from '../../src/agent/pop/answer.js';
import { checkPopConfig } from '../../src/agent/pop/config.js';
import { Packet } from '../../src/agent/pop/dns2.js';
import { encodeOpt, encodeResponse } from '../../src/agent/pop/encode.js';
import { registerNsidCodec } from '../../src/agent/pop/nsid.js';
import type { QuerySpec } from '../../src/agent/pop/query.js';
import { buildQuery, readHeader } from '../../src/agent/pop/query.js';
import { buildZone } from '../../src/agent/pop/zone.js';
import { popJsonFields } from './support/pop-fixture.js';

registerNsidCodec();
const zone = buildZone({ pop: 'fra', zone: 'Lab', records: { 'anycast.lab.': '192.0.2.80', 'www.deep.lab.': '192.0.2.81' } });
const ctx = { clientAddress: '10.78.1.10', transport: 'udp' as const };

const answer = (query: Buffer) => answerQuery(Packet.parse(query), query, ctx, zone);

function verdict(spec: Omit<QuerySpec, 'id'>) {
  const v = answer(buildQuery({ id: 1, ...spec }));
  if (v.action === 'drop') return { drop: true };
  return { rcode: v.rcode, aa: v.aa, answers: v.answers.length, authorities: v.authorities.length };
}

describe('answerQuery', () => {
  it.each<[string, Omit<QuerySpec, 'id'>, object]>([
    ['A, case-insensitive', { name: 'AnyCast.LAB', type: 1 }, { rcode: 0, aa: true, answers: 1 }],
    ['ANY at a record name', { name: 'anycast.lab', type: 255 }, { rcode: 0, answers: 1 }],
    ['class ANY treated as IN', { name: 'anycast.lab', type: 1, class: 255 }, { rcode: 0, answers: 1 }],
    ['SOA at the apex', { name: 'lab', type: 6 }, { rcode: 0, aa: true, answers: 1 }],
    ['empty non-terminal is NODATA', { name: 'deep.lab', type: 1 }, { rcode: 0, aa: true, answers: 0, authorities: 1 }],
    ['below a record is NXDOMAIN', { name: 'x.anycast.lab', type: 1 }, { rcode: 3, aa: true, authorities: 1 }],
    ['AXFR is REFUSED', { name: 'lab', type: 252 }, { rcode: 5, aa: false }],
    ['a zone suffix is not the zone', { name: 'notlab', type: 1 }, { rcode: 5 }],
    ['class HS is REFUSED', { name: 'anycast.lab', type: 1, class: 4 }, { rcode: 5 }],
    ['CH A hostname.bind: NOERROR, no answer', { name: 'hostname.bind', type: 1, class: 3 }, { rcode: 0, aa: true, answers: 0 }],
    ['QR=1 dropped', { name: 'anycast.lab', type: 1, qr: true }, { drop: true }],
  ])('%s', (_name, spec, expected) => {
    expect(verdict(spec)).toMatchObject(expected);
  });

  it('whoami carries the client address given by the transport', () => {
    const v = answer(buildQuery({ id: 1, name: 'whoami.lab', type: 16 }));
    if (v.action !== 'reply') throw new Error('expected reply');
    const p = Packet.parse(encodeResponse(v, null).bytes);
    expect(p.answers[0].data).toEqual(['pop=fra', 'client=10.78.1.10']);
  });

  it('echoes the question byte for byte, 0x20 case mix included (RFC 4343)', () => {
    const query = buildQuery({ id: 3, name: 'aNyCaSt.LaB', type: 1 });
    const v = answer(query);
    if (v.action !== 'reply') throw new Error('expected reply');
    const bytes = encodeResponse(v, null).bytes;
    expect(bytes.subarray(12, query.length).equals(query.subarray(12))).toBe(true);
    expect(Packet.parse(bytes).answers[0]).toMatchObject({ name: 'aNyCaSt.LaB', address: '192.0.2.80' });
  });
});

describe('encodeResponse', () => {
  it('puts RCODE 16 in the header low nibble and the OPT extended RCODE', () => {
    const v = answer(buildQuery({ id: 9, name: 'anycast.lab', type: 1, edns: { version: 1 } }));
    if (v.action !== 'reply') throw new Error('expected reply');
    const { bytes } = encodeResponse(v, v.udpLimit);
    expect(readHeader(bytes).rcode).toBe(0);
    expect(Packet.parse(bytes).header.rcode).toBe(16);
  });

  it('dns2 decodes what we write: SOA, NSID, TXT', () => {
    const v = answer(buildQuery({ id: 4, name: 'nope.lab', type: 1, edns: { options: [{ code: 3, data: Buffer.alloc(0) }] } }));
    if (v.action !== 'reply') throw new Error('expected reply');
    const p = Packet.parse(encodeResponse(v, v.udpLimit).bytes);
    expect(p.errors).toEqual([]);
    expect(p.authorities[0]).toMatchObject({ name: 'lab', type: 6, primary: 'ns.lab', admin: 'hostmaster.lab', minimum: 300, ttl: 5 });
    const opt = p.additionals[0];
    expect((opt.rdata![0] as unknown as { data: Buffer }).data.toString()).toBe('fra');
  });

  it('the registered NSID codec also encodes through dns2', () => {
    const msg = new Packet();
    msg.header.id = 5;
    msg.additionals.push(Packet.Resource.EDNS([{ ednsCode: 3, data: Buffer.from('ams') } as never]));
    const opt = Packet.parse(msg.toBuffer()).additionals[0];
    expect((opt.rdata![0] as unknown as { data: Buffer }).data.toString()).toBe('ams');
  });

  it('truncates to header, question and OPT when over the limit', () => {
    const v = answer(buildQuery({ id: 6, name: 'big.lab', type: 16, edns: {} }));
    if (v.action !== 'reply') throw new Error('expected reply');
    const { bytes, truncated } = encodeResponse(v, 1232);
    expect(truncated).toBe(true);
    expect(readHeader(bytes)).toMatchObject({ tc: true, qdcount: 1, ancount: 0, nscount: 0, arcount: 1 });
    expect(encodeResponse(v, null)).toMatchObject({ truncated: false });
  });

  it('encodes an OPT with NSID byte for byte (RFC 6891 §6.1.2, RFC 5001 §2.3)', () => {
    expect(encodeOpt({ udpPayload: 1232, doFlag: true, nsid: Buffer.from('fra') }).toString('hex')).toBe(
      '0000290' + '4d0' + '00008000' + '0007' + '0003' + '0003' + '667261',
    );
  });
});

describe('checkPopConfig', () => {
  const base = {
    ...popJsonFields,
    records: { 'anycast.lab.': '192.0.2.80' },
  };
  it('fills health and tcp defaults', () => {
    expect(checkPopConfig(base)).toMatchObject({ health: { interval: 200, failures: 3, holdDown: 2000 }, tcp: { idleTimeoutMs: 10000, maxConnections: 1000 } });
  });
  it.each<[string, object, RegExp]>([
    ['bad address', { dnsAddress: '192.0.2' }, /dnsAddress.*IPv4/],
    ['record outside zone', { records: { 'x.example.': '192.0.2.1' } }, /records\["x\.example\."\].*outside zone/],
    ['zero failures', { health: { failures: 0 } }, /health\.failures/],
    ['pop with a space', { pop: 'f ra' }, /"pop"/],
  ])('rejects %s', (_n, patch, message) => {
    expect(() => checkPopConfig({ ...base, ...patch }, 'pop.json')).toThrow(message);
  });
});
