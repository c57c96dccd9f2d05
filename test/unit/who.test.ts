import { describe, expect, it } from 'vitest';
import { expectedPop } from '../../src/probe/ask-clients.js';
import {
  answerOf,
  markSerialMismatch,
  parseDigNsid,
  parseSoaSerial,
  parseTraceBody,
  renderWhoTable,
  soaSerialCommand,
  whoCommands,
  whoRow,
  withIpv6,
} from '../../src/probe/who.js';
import { parseShortTxt } from '../../src/util/chaos-dig.js';

const DIG_NSID = `; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +nsid @192.0.2.53 id.server CH TXT
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 56662
;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
; NSID: 66 72 61 ("fra")
;; QUESTION SECTION:
;id.server.			CH	TXT
`;

describe('who parsers', () => {
  it.each([
    ['"fra"\n', 'fra'],
    ['"fra" "extra"\n', 'fra'],
    ['', null],
    [';; communications error to 192.0.2.53#53: timed out\n', null],
  ])('parseShortTxt(%j) = %j', (out, want) => expect(parseShortTxt(out)).toBe(want));

  it.each([
    [DIG_NSID, 'fra'],
    ['; NSID: 69 61 64\n', 'iad'],
    [DIG_NSID.replace(/; NSID.*\n/, ''), null],
  ])('parseDigNsid #%#', (out, want) => expect(parseDigNsid(out)).toBe(want));

  it('reads the trace body', () => {
    expect(parseTraceBody('fl=anycast-lab\nip=10.78.0.10\ncolo=FRA\npop=fra\n')).toMatchObject({ ip: '10.78.0.10', colo: 'FRA', pop: 'fra' });
  });

  it('explains a channel without an answer', () => {
    expect(answerOf('udp', { exitCode: 9, stdout: ';; communications error to 192.0.2.53#53: timed out\n', stderr: '' })).toEqual({
      pop: null,
      error: ';; communications error to 192.0.2.53#53: timed out',
    });
    expect(answerOf('http', { exitCode: 28, stdout: '', stderr: 'curl: (28) Connection timed out after 3001 milliseconds' }).error).toMatch(/curl: \(28\)/);
    expect(answerOf('http', { exitCode: 0, stdout: 'pop=gru\n', stderr: '' })).toEqual({ pop: 'gru' });
  });

  it('asks the lab addresses', () => {
    const c = whoCommands({ dnsAddress: '192.0.2.53', httpAddress: '192.0.2.80' });
    expect(c.tcp).toContain('+tcp');
    expect(c.nsid).toContain('+nsid');
    expect(c.http.at(-1)).toBe('http://192.0.2.80/cdn-cgi/trace');
  });
});

describe('whoRow and the table', () => {
  const all = (pop: string | null) => ({ udp: { pop }, tcp: { pop }, nsid: { pop }, http: { pop } });

  it('matches only when every channel names the expected PoP', () => {
    expect(whoRow('c-de', 'fra', all('fra'))).toEqual({ client: 'c-de', udp: 'fra', tcp: 'fra', nsid: 'fra', http: 'fra', expected: 'fra', matches: true });
    expect(whoRow('c-de', 'fra', { ...all('fra'), http: { pop: 'iad' } }).matches).toBe(false);
    expect(whoRow('c-de', null, all('fra')).matches).toBe(false);
    expect(whoRow('c-de', 'fra', { ...all('fra'), udp: { pop: null, error: 'timed out' } })).toMatchObject({
      udp: null,
      matches: false,
      errors: { udp: 'timed out' },
    });
  });

  it('marks the channels that differ', () => {
    const out = renderWhoTable({
      lab: 'default',
      clients: [whoRow('c-de', 'fra', all('fra')), whoRow('c-us', 'iad', { ...all('iad'), http: { pop: 'gru' } })],
    });
    expect(out).toMatch(/c-de\s+fra\s+fra\s+fra\s+fra\s+fra\s+-\s+ok/);
    expect(out).toMatch(/c-us\s+iad\s+iad\s+iad\s+gru!\s+iad\s+-\s+DIFFERS/);
    expect(out).toContain('1 of 2 clients differ');
  });
});

describe('the SOA serial each client sees', () => {
  const all = (pop: string) => ({ udp: { pop }, tcp: { pop }, nsid: { pop }, http: { pop } });
  const row = (client: string, pop: string, serial: number | null) => ({ ...whoRow(client, pop, all(pop)), serial });

  it('asks the zone apex without recursion', () => {
    expect(soaSerialCommand('192.0.2.53', 'lab.')).toEqual(['dig', '+tries=1', '+time=2', '+norec', '@192.0.2.53', 'lab.', 'SOA', '+short']);
  });

  it.each([
    ['ns.lab. hostmaster.lab. 2026120601 14400 3600 1209600 300\n', 2026120601],
    ['', null],
    [';; communications error to 192.0.2.53#53: timed out\n', null],
  ])('parseSoaSerial(%j) = %j', (out, want) => expect(parseSoaSerial(out)).toBe(want));

  it.each<[string, (number | null)[], boolean[]]>([
    ['all the same: nothing flagged', [7, 7, 7, 7], [false, false, false, false]],
    ['one PoP with an older zone', [7, 7, 6, 7], [false, false, true, false]],
    ['a tie goes to the newer serial', [7, 6], [false, true]],
    ['no answer is not a mismatch', [7, null, 7], [false, false, false]],
  ])('%s', (_n, serials, flagged) => {
    const rows = markSerialMismatch(serials.map((s, i) => row(`c-${i}`, 'fra', s)));
    expect(rows.map((r) => !!r.serialDiffers)).toEqual(flagged);
  });

  it('the table marks the stale serial and names the PoP', () => {
    const out = renderWhoTable({ lab: 'default', clients: markSerialMismatch([row('c-de', 'fra', 7), row('c-jp', 'nrt', 6), row('c-us', 'iad', 7)]) });
    expect(out).toMatch(/c-jp\s+nrt\s+nrt\s+nrt\s+nrt\s+nrt\s+6!\s+DIFFERS/);
    expect(out).toMatch(/c-de\s+fra.*\s7\s+ok/);
    expect(out).toContain('1 of 3 clients see a different SOA serial');
    expect(out).toContain('c-jp: serial 6 from nrt');
  });
});

describe('who per family (dual-stack labs)', () => {
  const all = (pop: string | null) => ({ udp: { pop }, tcp: { pop }, nsid: { pop }, http: { pop } });
  const fam = (expected: string | null, pop: string | null) => {
    const { client: _, ...r } = whoRow('x', expected, all(pop));
    return r;
  };

  it('asks the IPv6 addresses, the HTTP literal in brackets', () => {
    const c = whoCommands({ dnsAddress: '2001:db8::53', httpAddress: '2001:db8::80' });
    expect(c.udp).toContain('@2001:db8::53');
    expect(c.http).toEqual(['curl', '-sS', '-g', '--max-time', '3', 'http://[2001:db8::80]/cdn-cgi/trace']);
  });

  it('takes expect6 for IPv6 where the lab file gives one, else expect', () => {
    const c = { name: 'c-jp', expect: { pop: 'nrt' } } as Parameters<typeof expectedPop>[0];
    expect(expectedPop(c, 'ipv4')).toBe('nrt');
    expect(expectedPop(c, 'ipv6')).toBe('nrt');
    expect(expectedPop({ ...c, expect6: { pop: 'fra' } }, 'ipv6')).toBe('fra');
    expect(expectedPop({ ...c, expect6: { pop: 'fra' } }, 'ipv4')).toBe('nrt');
  });

  it('flags a client whose families land on different PoPs, and says whether the lab file meant it', () => {
    const same = withIpv6(whoRow('c-de', 'fra', all('fra')), fam('fra', 'fra'));
    const meant = withIpv6(whoRow('c-jp', 'nrt', all('nrt')), fam('fra', 'fra'));
    const unmeant = withIpv6(whoRow('c-us', 'iad', all('iad')), fam('iad', 'gru'));
    const silent = withIpv6(whoRow('c-br', 'gru', all('gru')), fam('gru', null));
    expect([same, meant, unmeant, silent].map((r) => r.familiesDiffer)).toEqual([false, true, true, false]);
    const out = renderWhoTable({ lab: 'dual', clients: [same, meant, unmeant, silent] });
    expect(out).toMatch(/^client\s+family\s+udp/m);
    expect(out).toMatch(/c-jp\s+ipv4\s+nrt\s+nrt\s+nrt\s+nrt\s+nrt\s+-\s+ok/);
    expect(out).toMatch(/\n\s+ipv6\s+fra\s+fra\s+fra\s+fra\s+fra\s+ok/);
    expect(out).toMatch(/\n\s+ipv6\s+gru!\s+gru!\s+gru!\s+gru!\s+iad\s+DIFFERS/);
    expect(out).toContain('2 of 4 clients land on different PoPs over IPv4 and IPv6');
    expect(out).toContain('c-jp: ipv4 nrt, ipv6 fra (expect6 in the lab file says so)');
    expect(out).toContain('c-us: ipv4 iad, ipv6 gru (the lab file expects the same PoP for both)');
    expect(out).toContain('2 of 8 client families differ from expect.pop / expect6.pop');
    expect(out).toContain('c-us ipv6: expected iad');
    expect(out).toContain('c-br ipv6: expected gru');
  });

  it('an [ipv4] lab keeps its table: no family column', () => {
    const out = renderWhoTable({ lab: 'default', clients: [whoRow('c-de', 'fra', all('fra'))] });
    expect(out).not.toContain('family');
    expect(out.split('\n')[0]).toBe('lab default: which PoP answers each client');
  });
});
