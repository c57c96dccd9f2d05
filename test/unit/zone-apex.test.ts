// The zone as a DNS engineer's tools (dig, Zonemaster) see it: a table of
// query → answer, decoded by dns2 from the bytes we would send.
import { describe, expect, it } from 'vitest';
import { answerQuery } from '../../src/agent/pop/answer.js';
import { checkPopConfig } from '../../src/agent/pop/config.js';
import { Packet } from '../../src/agent/pop/dns2.js';
import { encodeResponse } from '../../src/agent/pop/encode.js';
import { registerNsidCodec } from '../../src/agent/pop/nsid.js';
import type { QuerySpec } from '../../src/agent/pop/query.js';
import { buildQuery, nsidRequest, readHeader } from '../../src/agent/pop/query.js';
import { buildZone } from '../../src/agent/pop/zone.js';
import { popJsonFields } from './support/pop-fixture.js';

registerNsidCodec();
const SOA = { mname: 'ns.lab.', rname: 'hostmaster.lab.', serial: 2026120601, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 };
const zone = buildZone({
  pop: 'fra',
  zone: 'lab.',
  records: { 'anycast.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53', 'www.deep.lab.': '192.0.2.81' },
  nameservers: ['ns.lab.'],
  soa: SOA,
});

const T = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28, DNSKEY: 48, ANY: 255 } as const;
const RCODE = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;

/** What dig would print, in short: rcode, AA, and each section as "name TYPE". */
function dig(spec: Omit<QuerySpec, 'id'>, transport: 'udp' | 'tcp' = 'udp') {
  const query = buildQuery({ id: 7, ...spec });
  const v = answerQuery(Packet.parse(query), query, { clientAddress: '10.78.0.10', transport }, zone);
  if (v.action !== 'reply') throw new Error('expected a reply');
  const bytes = encodeResponse(v, transport === 'udp' ? v.udpLimit : null).bytes;
  const p = Packet.parse(bytes);
  const rr = (r: { name: string; type: number }) => `${r.name.toLowerCase()} ${Object.entries(T).find(([, n]) => n === r.type)?.[0] ?? r.type}`;
  return {
    rcode: readHeader(bytes).rcode,
    aa: readHeader(bytes).aa,
    answer: p.answers.map(rr),
    authority: p.authorities.map(rr),
    additional: p.additionals.filter((r) => r.type !== 41).map(rr),
    packet: p,
  };
}

describe('the apex a checker expects', () => {
  it.each<[string, Omit<QuerySpec, 'id'>, { rcode: number; aa: boolean; answer: string[]; authority: string[]; additional: string[] }]>([
    [
      'NS at the apex, with the server address',
      { name: 'lab', type: T.NS },
      { rcode: RCODE.NOERROR, aa: true, answer: ['lab NS'], authority: [], additional: ['ns.lab A'] },
    ],
    ['NS, upper case', { name: 'LAB', type: T.NS }, { rcode: RCODE.NOERROR, aa: true, answer: ['lab NS'], authority: [], additional: ['ns.lab A'] }],
    ['SOA at the apex', { name: 'lab', type: T.SOA }, { rcode: RCODE.NOERROR, aa: true, answer: ['lab SOA'], authority: [], additional: [] }],
    [
      'ANY at the apex: SOA and NS',
      { name: 'lab', type: T.ANY },
      { rcode: RCODE.NOERROR, aa: true, answer: ['lab SOA', 'lab NS'], authority: [], additional: ['ns.lab A'] },
    ],
    ['DNSKEY: unsigned zone, NODATA', { name: 'lab', type: T.DNSKEY }, { rcode: RCODE.NOERROR, aa: true, answer: [], authority: ['lab SOA'], additional: [] }],
    [
      'AAAA of the name server: NODATA',
      { name: 'ns.lab', type: T.AAAA },
      { rcode: RCODE.NOERROR, aa: true, answer: [], authority: ['lab SOA'], additional: [] },
    ],
    ['A of the name server', { name: 'ns.lab', type: T.A }, { rcode: RCODE.NOERROR, aa: true, answer: ['ns.lab A'], authority: [], additional: [] }],
    ['NS below the apex: NODATA', { name: 'anycast.lab', type: T.NS }, { rcode: RCODE.NOERROR, aa: true, answer: [], authority: ['lab SOA'], additional: [] }],
    [
      'unknown name: NXDOMAIN with SOA',
      { name: 'nope.lab', type: T.A },
      { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: ['lab SOA'], additional: [] },
    ],
    [
      'deep unknown name, mixed case',
      { name: 'X.Y.Nope.LAB', type: T.SOA },
      { rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: ['lab SOA'], additional: [] },
    ],
    ['empty non-terminal: NODATA', { name: 'deep.lab', type: T.A }, { rcode: RCODE.NOERROR, aa: true, answer: [], authority: ['lab SOA'], additional: [] }],
    ['the root: not ours, REFUSED', { name: '.', type: T.NS }, { rcode: RCODE.REFUSED, aa: false, answer: [], authority: [], additional: [] }],
    ['another zone: REFUSED', { name: 'example.com', type: T.SOA }, { rcode: RCODE.REFUSED, aa: false, answer: [], authority: [], additional: [] }],
  ])('%s', (_name, spec, expected) => {
    const { packet: _p, ...got } = dig(spec);
    expect(got).toEqual(expected);
    const { packet: _t, ...overTcp } = dig(spec, 'tcp');
    expect(overTcp).toEqual(expected);
  });

  it('the SOA carries the lab file fields; its own TTL keeps negative caching at 5 s (RFC 2308 §5)', () => {
    const soa = dig({ name: 'lab', type: T.SOA }).packet.answers[0];
    expect(soa).toMatchObject({
      primary: 'ns.lab',
      admin: 'hostmaster.lab',
      serial: 2026120601,
      refresh: 14400,
      retry: 3600,
      expiration: 1209600,
      minimum: 300,
      ttl: 5,
    });
  });

  it('NS and glue name the servers of the lab file', () => {
    const r = dig({ name: 'lab', type: T.NS, edns: { options: [nsidRequest()] } });
    expect(r.packet.answers[0]).toMatchObject({ ns: 'ns.lab' });
    expect(r.packet.additionals.find((a) => a.type === T.A)).toMatchObject({ name: 'ns.lab', address: '192.0.2.53' });
    // The OPT still comes last, with the NSID asked for.
    expect(r.packet.additionals.at(-1)?.type).toBe(41);
  });

  it('drops the additional section, not the answer, when it would not fit (RFC 2181 §9: no TC)', () => {
    const many = buildZone({
      pop: 'fra',
      zone: 'lab.',
      records: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`a-rather-long-name-server-label-${i}.lab.`, `192.0.2.${i + 1}`])),
      nameservers: Array.from({ length: 8 }, (_, i) => `a-rather-long-name-server-label-${i}.lab.`),
    });
    const query = buildQuery({ id: 1, name: 'lab', type: T.NS });
    const v = answerQuery(Packet.parse(query), query, { clientAddress: '10.78.0.10', transport: 'udp' }, many);
    if (v.action !== 'reply') throw new Error('expected a reply');
    const { bytes, truncated } = encodeResponse(v, 512);
    expect(truncated).toBe(false);
    expect(readHeader(bytes)).toMatchObject({ tc: false, ancount: 8, arcount: 0 });
    expect(readHeader(encodeResponse(v, null).bytes)).toMatchObject({ ancount: 8, arcount: 8 });
  });
});

describe('pop.json without nameservers or soa (written before the apex had them)', () => {
  const base = {
    ...popJsonFields,
  };
  it.each<[string, Record<string, string>, string[], Record<string, string>]>([
    ['the record at the DNS address names the server', { 'ns.lab.': '192.0.2.53', 'www.lab.': '192.0.2.80' }, ['ns.lab.'], {}],
    ['no record there: ns.<zone> is added', { 'www.lab.': '192.0.2.80' }, ['ns.lab.'], { 'ns.lab.': '192.0.2.53' }],
  ])('%s', (_n, records, nameservers, added) => {
    const c = checkPopConfig({ ...base, records });
    expect(c.nameservers).toEqual(nameservers);
    expect(c.records).toEqual({ ...records, ...added });
    expect(c.soa).toEqual({ mname: 'ns.lab.', rname: 'hostmaster.lab.', serial: 1, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 });
  });
  it('rejects a serial that does not fit 32 bits', () => {
    expect(() => checkPopConfig({ ...base, soa: { serial: 2 ** 32 } }, 'pop.json')).toThrow(/pop\.json: field "soa\.serial"/);
  });
});
