// The dual-stack responder, in-process: the IPv4 services on 127.0.0.1 and the
// IPv6 ones on ::1 (loopback only), free ports, queried over both families.
import { get } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PopAgentConfig } from '../../src/agent/contract.js';
import { checkPopConfig } from '../../src/agent/pop/config.js';
import { Packet } from '../../src/agent/pop/dns2.js';
import { tcpExchange, udpExchange } from '../../src/agent/pop/exchange.js';
import { buildQuery, nsidRequest, readHeader } from '../../src/agent/pop/query.js';
import { aaaaRdata } from '../../src/agent/pop/wire.js';
import { popJsonFields, popTestConfig, usePopServices } from './support/pop-fixture.js';

const A = 1,
  NS = 2,
  TXT = 16,
  AAAA = 28,
  ANY = 255,
  CH = 3;

const ipv6: NonNullable<PopAgentConfig['ipv6']> = {
  prefix: '2001:db8::/48',
  dnsAddress: '2001:db8::53',
  httpAddress: '2001:db8::80',
  records: { 'anycast.lab.': '2001:db8::80', 'ns.lab.': '2001:db8::53' },
};
const pop = usePopServices(popTestConfig({ ipv6 }), () => ({ ipv6: { dnsAddress: '::1', httpAddress: '::1' } }));

let nextId = 1;
const q = (spec: { name: string; type: number; class?: number; nsid?: boolean }) =>
  buildQuery({ id: nextId++, name: spec.name, type: spec.type, class: spec.class, ...(spec.nsid ? { edns: { options: [nsidRequest()] } } : {}) });
const v6 = () => {
  const s = pop.services.ipv6;
  if (!s) throw new Error('no IPv6 services');
  return s;
};
async function udp6(msg: Buffer) {
  const reply = await udpExchange('::1', v6().dns.port, msg, 1000);
  expect(reply, 'expected a UDP reply over IPv6').not.toBeNull();
  return { h: readHeader(reply!), p: Packet.parse(reply!) };
}
async function tcp6(msg: Buffer) {
  const [reply] = await tcpExchange('::1', v6().dns.port, [msg]);
  return { h: readHeader(reply), p: Packet.parse(reply) };
}
const nsidOf = (p: Packet): string | undefined => {
  const opt = p.additionals.find((r) => r.type === 41);
  const o = opt?.rdata?.find((x) => x.ednsCode === 3) as { data: Buffer } | undefined;
  return o?.data.toString('ascii');
};

describe('the IPv6 listeners', () => {
  it('are separate from the IPv4 ones', () => {
    expect(v6().dns.address).toBe('::1');
    expect(pop.services.dns.address).toBe('127.0.0.1');
  });

  it.each([
    ['UDP', udp6],
    ['TCP', tcp6],
  ])('answer CHAOS hostname.bind and id.server over %s', async (_t, ask) => {
    for (const name of ['hostname.bind', 'id.server']) {
      const { h, p } = await ask(q({ name, type: TXT, class: CH }));
      expect(h).toMatchObject({ qr: true, aa: true, rcode: 0, ancount: 1 });
      expect(p.answers[0]).toMatchObject({ type: TXT, class: CH, data: ['fra'] });
    }
  });

  it.each([
    ['UDP', udp6],
    ['TCP', tcp6],
  ])('carry NSID over %s', async (_t, ask) => {
    const { p } = await ask(q({ name: 'anycast.lab', type: AAAA, nsid: true }));
    expect(nsidOf(p)).toBe('fra');
  });

  it('whoami names the client by its IPv6 address', async () => {
    const { p } = await udp6(q({ name: 'whoami.lab', type: TXT }));
    expect(p.answers[0].data).toEqual(['pop=fra', 'client=::1']);
  });

  it('the IPv4 listener still answers, over IPv4', async () => {
    const reply = await udpExchange('127.0.0.1', pop.services.dns.port, q({ name: 'hostname.bind', type: TXT, class: CH }), 1000);
    expect(reply && readHeader(reply)).toMatchObject({ rcode: 0, ancount: 1 });
  });
});

describe('AAAA records', () => {
  it('answer from ipv6.records on both families', async () => {
    const { h, p } = await udp6(q({ name: 'anycast.lab', type: AAAA }));
    expect(h).toMatchObject({ aa: true, rcode: 0, ancount: 1 });
    expect(p.answers[0]).toMatchObject({ type: AAAA, address: '2001:db8::80' });
    const over4 = await udpExchange('127.0.0.1', pop.services.dns.port, q({ name: 'anycast.lab', type: AAAA }), 1000);
    expect(Packet.parse(over4!).answers[0]).toMatchObject({ type: AAAA, address: '2001:db8::80' });
  });

  it('A stays A: the same name answers its IPv4 address', async () => {
    const { p } = await udp6(q({ name: 'anycast.lab', type: A }));
    expect(p.answers).toHaveLength(1);
    expect(p.answers[0]).toMatchObject({ type: A, address: '192.0.2.80' });
  });

  it('ANY returns both', async () => {
    const { p } = await tcp6(q({ name: 'anycast.lab', type: ANY }));
    expect(p.answers.map((a) => a.type).sort()).toEqual([A, AAAA]);
  });

  it('the apex NS answer carries the name server A and AAAA', async () => {
    const { p } = await udp6(q({ name: 'lab', type: NS }));
    expect(p.additionals.map((r) => [r.name, r.type])).toEqual([
      ['ns.lab', A],
      ['ns.lab', AAAA],
    ]);
  });

  it('a name with only an A record is NODATA for AAAA', async () => {
    const { h } = await udp6(q({ name: 'whoami.lab', type: AAAA }));
    expect(h).toMatchObject({ rcode: 0, ancount: 0, nscount: 1 });
  });

  it.each([
    ['2001:db8::53', '20010db8000000000000000000000053'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['fd00:77:1:2::10', 'fd000077000100020000000000000010'],
    ['2001:db8:1:2:3:4:5:6', '20010db8000100020003000400050006'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
  ])('aaaaRdata(%s)', (addr, hex) => {
    expect(aaaaRdata(addr).toString('hex')).toBe(hex);
  });
});

describe('HTTP trace and stream over IPv6', () => {
  it('the trace says the family and the IPv6 peer', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '::1', port: v6().http.port, path: '/cdn-cgi/trace' }, (res) => {
        let b = '';
        res.on('data', (c) => {
          b += c;
        });
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).toContain('ip=::1\n');
    expect(body).toContain('family=ipv6\n');
    expect(body).toContain('pop=fra\n');
  });

  it('the stream port answers on IPv6', async () => {
    const line = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '::1', port: v6().stream.port }, () => undefined);
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString());
      });
      s.on('error', reject);
    });
    expect(line).toMatch(/^pop=fra seq=0 ts=\d+\n/);
  });
});

describe('query counters per family', () => {
  it('count what reached each family’s addresses beside the totals', async () => {
    const before = structuredClone(pop.services.stats);
    expect(before.families).toBeDefined();
    await udp6(q({ name: 'hostname.bind', type: TXT, class: CH }));
    await udp6(q({ name: 'hostname.bind', type: TXT, class: CH }));
    await tcp6(q({ name: 'hostname.bind', type: TXT, class: CH }));
    await udpExchange('127.0.0.1', pop.services.dns.port, q({ name: 'hostname.bind', type: TXT, class: CH }), 1000);
    const s = pop.services.stats;
    const delta = (f: 'ipv4' | 'ipv6') => ({
      udp: s.families![f].udpQueries - before.families![f].udpQueries,
      tcp: s.families![f].tcpQueries - before.families![f].tcpQueries,
    });
    expect(delta('ipv6')).toEqual({ udp: 2, tcp: 1 });
    expect(delta('ipv4')).toEqual({ udp: 1, tcp: 0 });
    expect(s.udp.queries - before.udp.queries).toBe(3);
    expect(s.tcp.queries - before.tcp.queries).toBe(1);
  });

  it('count trace requests per family', async () => {
    const before = pop.services.stats.families!.ipv6.httpRequests;
    await new Promise<void>((resolve, reject) => {
      get({ host: '::1', port: v6().http.port, path: '/cdn-cgi/trace' }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject);
    });
    expect(pop.services.stats.families!.ipv6.httpRequests - before).toBe(1);
  });
});

describe('pop.json ipv6 section', () => {
  const base = { ...popJsonFields, records: { 'anycast.lab.': '192.0.2.80' } };
  it('is kept when valid, records made fully qualified', () => {
    const c = checkPopConfig({ ...base, ipv6: { ...ipv6, records: { 'anycast.lab': '2001:db8::80' } } });
    expect(c.ipv6).toEqual({ ...ipv6, records: { 'anycast.lab.': '2001:db8::80' } });
  });

  it('is absent in an IPv4-only pop.json', () => {
    expect(checkPopConfig(base).ipv6).toBeUndefined();
  });

  it.each([
    [{ ...ipv6, dnsAddress: '192.0.2.53' }, /ipv6.dnsAddress.*IPv6 address/],
    [{ ...ipv6, prefix: '2001:db8::' }, /ipv6.prefix/],
    [{ ...ipv6, records: { 'anycast.lab.': '192.0.2.80' } }, /ipv6.records\["anycast.lab."\]/],
    [{ ...ipv6, records: { 'x.example.': '2001:db8::1' } }, /outside zone/],
  ])('names the bad field %#', (bad, msg) => {
    expect(() => checkPopConfig({ ...base, ipv6: bad })).toThrow(msg);
  });
});
