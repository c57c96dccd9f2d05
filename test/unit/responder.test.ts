// The real responder, in-process on 127.0.0.1 with a random port, queried
// with raw packets built byte by byte (and with dig when it is installed).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Packet } from '../../src/agent/pop/dns2.js';
import { tcpExchange, udpExchange } from '../../src/agent/pop/exchange.js';
import { registerNsidCodec } from '../../src/agent/pop/nsid.js';
import type { QuerySpec } from '../../src/agent/pop/query.js';
import { buildQuery, clientCookie, nsidRequest, readHeader } from '../../src/agent/pop/query.js';
import { popTestConfig, usePopServices } from './support/pop-fixture.js';

const A = 1,
  TXT = 16,
  CH = 3;
const NOERROR = 0,
  FORMERR = 1,
  NXDOMAIN = 3,
  NOTIMP = 4,
  REFUSED = 5;

let dir: string;
const statsPath = () => join(dir, 'run', 'stats.json');

beforeAll(async () => {
  registerNsidCodec();
  dir = await mkdtemp(join(tmpdir(), 'responder-'));
});
// Registered before the services: "after" hooks run in reverse, so the
// directory goes once the services have written their last stats.
afterAll(() => rm(dir, { recursive: true, force: true }));
const pop = usePopServices(popTestConfig(), () => ({ statsPath: statsPath(), statsIntervalMs: 100 }));

let nextId = 1;
const q = (spec: Omit<QuerySpec, 'id'> & { id?: number }) => buildQuery({ id: nextId++, ...spec });
const udp = (msg: Buffer, timeoutMs = 1000) => udpExchange('127.0.0.1', pop.services.dns.port, msg, timeoutMs);
async function ask(msg: Buffer) {
  const reply = await udp(msg);
  expect(reply, 'expected a UDP reply').not.toBeNull();
  return { raw: reply!, h: readHeader(reply!), p: Packet.parse(reply!) };
}
const nsidOf = (p: Packet): string | undefined => {
  const opt = p.additionals.find((r) => r.type === 41);
  const o = opt?.rdata?.find((x) => x.ednsCode === 3) as { data: Buffer } | undefined;
  return o?.data.toString('ascii');
};

describe('CHAOS identity (RFC 4892)', () => {
  it.each(['hostname.bind', 'id.server', 'HOSTNAME.BIND'])('%s CH TXT answers the PoP id with AA', async (name) => {
    const { h, p } = await ask(q({ name, type: TXT, class: CH }));
    expect(h).toMatchObject({ qr: true, aa: true, rcode: NOERROR, ancount: 1 });
    expect(p.answers[0]).toMatchObject({ type: TXT, class: CH, data: ['fra'] });
  });

  it('other CHAOS names are REFUSED', async () => {
    const { h } = await ask(q({ name: 'version.bind', type: TXT, class: CH }));
    expect(h.rcode).toBe(REFUSED);
  });
});

describe('NSID (RFC 5001)', () => {
  it('is absent without EDNS, and no OPT comes back', async () => {
    const { h, p } = await ask(q({ name: 'hostname.bind', type: TXT, class: CH }));
    expect(h.arcount).toBe(0);
    expect(nsidOf(p)).toBeUndefined();
  });

  it('is absent when the OPT does not ask for it', async () => {
    const { h, p } = await ask(q({ name: 'anycast.lab', type: A, edns: {} }));
    expect(h.arcount).toBe(1);
    expect(nsidOf(p)).toBeUndefined();
  });

  it('carries the PoP id when asked', async () => {
    const { p } = await ask(q({ name: 'anycast.lab', type: A, edns: { options: [nsidRequest()] } }));
    expect(nsidOf(p)).toBe('fra');
  });

  it('is found behind a COOKIE option', async () => {
    const { h, p } = await ask(q({ name: 'hostname.bind', type: TXT, class: CH, edns: { options: [clientCookie(42), nsidRequest()] } }));
    expect(h.rcode).toBe(NOERROR);
    expect(nsidOf(p)).toBe('fra');
  });

  it('echoes DO and advertises 1232 bytes', async () => {
    const { p } = await ask(q({ name: 'anycast.lab', type: A, edns: { udpSize: 4096, do: true } }));
    const opt = p.additionals.find((r) => r.type === 41)!;
    expect(opt.class).toBe(1232);
    expect(opt.doFlag).toBe(true);
  });

  it('answers BADVERS (16) to EDNS version 1, high bits in the OPT', async () => {
    const { h, p } = await ask(q({ name: 'anycast.lab', type: A, edns: { version: 1 } }));
    expect(h.rcode).toBe(0); // low nibble of 16
    expect(p.header.rcode).toBe(16); // dns2 merges the OPT's extended RCODE
  });
});

describe('zone answers', () => {
  it('A record with AA', async () => {
    const { h, p } = await ask(q({ name: 'anycast.lab', type: A, rd: true }));
    expect(h).toMatchObject({ aa: true, rd: true, rcode: NOERROR, ancount: 1 });
    expect(p.answers[0]).toMatchObject({ name: 'anycast.lab', type: A, address: '192.0.2.80' });
  });

  it('whoami TXT names the PoP and the client source address', async () => {
    const { p } = await ask(q({ name: 'whoami.lab', type: TXT }));
    expect(p.answers[0].data).toEqual(['pop=fra', 'client=127.0.0.1']);
  });

  it('unknown name inside the zone is NXDOMAIN with AA and the SOA', async () => {
    const { h, p } = await ask(q({ name: 'nope.lab', type: A }));
    expect(h).toMatchObject({ aa: true, rcode: NXDOMAIN, ancount: 0, nscount: 1 });
    expect(p.authorities[0]).toMatchObject({ type: 6, name: 'lab' });
  });

  it('existing name, other type: NODATA (NOERROR, AA, no answer)', async () => {
    const { h } = await ask(q({ name: 'anycast.lab', type: 28 }));
    expect(h).toMatchObject({ aa: true, rcode: NOERROR, ancount: 0, nscount: 1 });
  });

  it('outside the zone is REFUSED without AA', async () => {
    const { h } = await ask(q({ name: 'example.com', type: A }));
    expect(h).toMatchObject({ aa: false, rcode: REFUSED });
  });
});

describe('malformed and unusual queries', () => {
  it.each([1, 2, 4, 5, 15])('opcode %i is NOTIMP', async (opcode) => {
    const { h } = await ask(q({ name: 'anycast.lab', type: A, opcode }));
    expect(h).toMatchObject({ rcode: NOTIMP, opcode });
  });

  it('qdcount 0 is FORMERR, ID echoed', async () => {
    const msg = Buffer.from([0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const { h } = await ask(msg);
    expect(h).toMatchObject({ id: 0x1234, qr: true, rcode: FORMERR });
  });

  it('qdcount 2 is FORMERR', async () => {
    const msg = q({ name: 'anycast.lab', type: A });
    msg.writeUInt16BE(2, 4);
    expect((await ask(msg)).h.rcode).toBe(FORMERR);
  });

  it('a compression-pointer loop in the question is FORMERR', async () => {
    const msg = Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    const { h } = await ask(msg);
    expect(h).toMatchObject({ id: 0xabcd, rcode: FORMERR, qdcount: 0 });
  });

  it('an OPT option whose length overruns the record is FORMERR', async () => {
    const msg = q({ name: 'anycast.lab', type: A, edns: { options: [nsidRequest()] } });
    msg.writeUInt16BE(999, msg.length - 2); // NSID option length
    expect((await ask(msg)).h.rcode).toBe(FORMERR);
  });

  it('QR=1 is dropped: no answer within 200 ms', async () => {
    expect(await udp(q({ name: 'anycast.lab', type: A, qr: true }), 200)).toBeNull();
  });

  it('fewer than 12 bytes are dropped', async () => {
    expect(await udp(Buffer.from([1, 2, 3, 4, 5]), 200)).toBeNull();
  });
});

describe('UDP truncation', () => {
  it('mid.lab (~700 B) is TC=1 without EDNS, with no answers', async () => {
    const { raw, h } = await ask(q({ name: 'mid.lab', type: TXT }));
    expect(h).toMatchObject({ tc: true, ancount: 0, qdcount: 1 });
    expect(raw.length).toBeLessThanOrEqual(512);
  });

  it('mid.lab fits an EDNS 1232 buffer', async () => {
    const { raw, h } = await ask(q({ name: 'mid.lab', type: TXT, edns: { udpSize: 1232 } }));
    expect(h).toMatchObject({ tc: false, ancount: 1 });
    expect(raw.length).toBeGreaterThan(512);
  });

  it('big.lab is TC=1 even for a 4096 buffer (capped at 1232), OPT kept', async () => {
    const { raw, h, p } = await ask(q({ name: 'big.lab', type: TXT, edns: { udpSize: 4096, options: [nsidRequest()] } }));
    expect(h).toMatchObject({ tc: true, ancount: 0, arcount: 1 });
    expect(raw.length).toBeLessThanOrEqual(1232);
    expect(nsidOf(p)).toBe('fra');
  });

  it('big.lab comes whole over TCP', async () => {
    const [reply] = await tcpExchange('127.0.0.1', pop.services.dns.port, [q({ name: 'big.lab', type: TXT })]);
    expect(readHeader(reply)).toMatchObject({ tc: false, ancount: 1 });
    expect(reply.length).toBeGreaterThan(1232);
  });
});

describe('stats file', () => {
  it('is rewritten with per-protocol counters', async () => {
    await new Promise((r) => setTimeout(r, 250));
    const stats = JSON.parse(await readFile(statsPath(), 'utf8'));
    expect(stats.pop).toBe('fra');
    expect(stats.udp.queries).toBeGreaterThan(10);
    // One family: nothing to split.
    expect(stats).not.toHaveProperty('families');
    expect(stats.udp.dropped).toBeGreaterThanOrEqual(2);
    expect(stats.udp.truncated).toBeGreaterThanOrEqual(2);
    expect(stats.udp.responses.NOERROR).toBeGreaterThan(0);
    expect(stats.udp.responses.FORMERR).toBeGreaterThan(0);
    expect(stats.tcp.queries).toBeGreaterThan(0);
  });
});

const dig = async (...args: string[]): Promise<string | null> => {
  try {
    const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(pop.services.dns.port), '+time=2', '+tries=1', ...args]);
    return stdout;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
};

describe('with dig (skipped when dig is not installed)', () => {
  it('hostname.bind CH TXT +nsid', async (ctx) => {
    const out = await dig('hostname.bind', 'CH', 'TXT', '+nsid');
    if (out === null) return ctx.skip();
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa/);
    expect(out).toMatch(/NSID: 66 72 61 \("fra"\)/);
    expect(out).toMatch(/hostname\.bind\.\s+0\s+CH\s+TXT\s+"fra"/);
  });

  it('A over TCP', async (ctx) => {
    const out = await dig('anycast.lab', 'A', '+tcp', '+short');
    if (out === null) return ctx.skip();
    expect(out.trim()).toBe('192.0.2.80');
  });

  it('falls back to TCP on TC', async (ctx) => {
    const out = await dig('big.lab', 'TXT');
    if (out === null) return ctx.skip();
    expect(out).toMatch(/Truncated, retrying in TCP mode/);
    expect(out).toMatch(/ANSWER: 1/);
  });

  it('whoami +short', async (ctx) => {
    const out = await dig('whoami.lab', 'TXT', '+short');
    if (out === null) return ctx.skip();
    expect(out.trim()).toBe('"pop=fra" "client=127.0.0.1"');
  });
});
