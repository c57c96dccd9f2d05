// Resolution: every default applied, every address allocated. The allocation
// rules are part of the lab's contract (golden FRR configs and the running
// lab's addresses depend on them), so they are pinned here.
import { describe, expect, it } from 'vitest';
import {
  contains,
  formatCidr,
  fromInt,
  hostAt,
  isIPv4,
  isNetwork,
  KeyedAllocator,
  mask,
  overlaps,
  parseCidr,
  size,
  toInt,
  tryParseCidr,
} from '../../src/topology/ipv4.js';
import { loadLabFile, parseLab } from '../../src/topology/load.js';
import { type Lab, type Link, sessionsOf } from '../../src/topology/model.js';
import { DEFAULTS } from '../../src/topology/resolve.js';
import { BASE, BASE_FILE, deleteLines, editLine, insertAfter } from '../fixtures/topology/base.js';

const parse = (text: string): Lab => parseLab(text, BASE_FILE);
const link = (lab: Lab, name: string): Link => {
  const l = lab.links.find((x) => x.name === name);
  if (!l) throw new Error(`no link ${name} in ${lab.links.map((x) => x.name).join(', ')}`);
  return l;
};

describe('labs/default.yaml', () => {
  const lab = loadLabFile('labs/default.yaml');

  it('loads with every node, link and LAN', () => {
    expect(lab.name).toBe('default');
    expect(lab.file).toMatch(/\/labs\/default\.yaml$/);
    expect(lab.routers.map((r) => r.name)).toEqual(['fra', 'iad', 'nrt', 'gru', 't-eu', 't-us', 't-ap', 'eb-de', 'eb-us', 'eb-jp', 'eb-br']);
    expect(lab.clients.map((c) => [c.name, c.eyeball, c.expect])).toEqual([
      ['c-de', 'eb-de', { pop: 'fra', backup: 'iad' }],
      ['c-us', 'eb-us', { pop: 'iad', backup: 'gru' }],
      ['c-jp', 'eb-jp', { pop: 'nrt', backup: 'fra' }],
      ['c-br', 'eb-br', { pop: 'gru', backup: 'iad' }],
    ]);
    expect(lab.links).toHaveLength(11);
    expect(lab.lans.map((l) => [l.name, l.subnet])).toEqual([
      ['lan-eb-de', '10.78.0.0/24'],
      ['lan-eb-us', '10.78.1.0/24'],
      ['lan-eb-jp', '10.78.2.0/24'],
      ['lan-eb-br', '10.78.3.0/24'],
    ]);
    expect(lab.anycast).toEqual({
      prefix: '192.0.2.0/24',
      dnsAddress: '192.0.2.53',
      httpAddress: '192.0.2.80',
      streamPort: 7000,
      zone: 'lab.',
      records: { 'anycast.lab.': '192.0.2.80', 'www.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53' },
      nameservers: ['ns.lab.'],
      soa: { mname: 'ns.lab.', rname: 'hostmaster.lab.', serial: 2026120601, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 },
      // Dual-stack: the /48 beside the /24, an AAAA beside every A record at the service addresses.
      ipv6: {
        prefix: '2001:db8::/48',
        dnsAddress: '2001:db8::53',
        httpAddress: '2001:db8::80',
        records: { 'anycast.lab.': '2001:db8::80', 'www.lab.': '2001:db8::80', 'ns.lab.': '2001:db8::53' },
      },
    });
    expect(lab.families).toEqual(['ipv4', 'ipv6']);
    // No deliberate IPv6 catchment difference in the default: every client's IPv6 lands where its IPv4 does.
    expect(lab.clients.map((c) => c.expect6)).toEqual([undefined, undefined, undefined, undefined]);
    expect(lab.lans.map((l) => l.ipv6?.subnet)).toEqual(lab.lans.map(() => expect.stringMatching(/^fd00:78:.*\/64$/)));
  });

  it('allocates the addresses the running lab uses (fra--t-eu is 10.77.0.0/29, t-eu--t-us 10.77.0.40/29)', () => {
    expect(lab.links.map((l) => l.subnet)).toEqual(Array.from({ length: 11 }, (_, i) => `10.77.0.${i * 8}/29`));
    expect(link(lab, 'fra--t-eu')).toMatchObject({ gateway: '10.77.0.1', a: { node: 'fra', address: '10.77.0.2' }, b: { node: 't-eu', address: '10.77.0.3' } });
    expect(link(lab, 't-eu--t-us')).toMatchObject({ a: { address: '10.77.0.42' }, b: { address: '10.77.0.43' } });
    expect(lab.routers.find((r) => r.name === 'fra')?.routerId).toBe('10.255.0.1');
    expect(lab.routers.find((r) => r.name === 't-eu')?.routerId).toBe('10.255.0.5');
  });

  it('carries the policy the comments at the top of the file promise', () => {
    expect(link(lab, 'gru--t-us').a).toMatchObject({ node: 'gru', prepend: 2 });
    expect(link(lab, 't-eu--t-us')).toMatchObject({ a: { localPref: 110 }, b: { localPref: 100 } });
    expect(link(lab, 't-eu--t-ap')).toMatchObject({ a: { localPref: 100 }, b: { localPref: 100 } });
    // transits prefer customers
    expect(link(lab, 'fra--t-eu').b.localPref).toBe(200);
    expect(link(lab, 'eb-de--t-eu').b.localPref).toBe(200);
    // gru--eb-br is a direct peering: neither side is a transit
    expect(link(lab, 'gru--eb-br')).toMatchObject({ a: { localPref: 100 }, b: { localPref: 100 } });
    expect(lab.links.every((l) => l.bfd.enabled && l.bfd.interval === 100 && l.bfd.multiplier === 3)).toBe(true);
    expect(sessionsOf(lab, 't-eu').map((s) => s.remote.node)).toEqual(['fra', 't-us', 't-ap', 'eb-de']);
  });
});

const addressesOf = (lab: Lab) => ({
  links: Object.fromEntries(lab.links.map((l) => [[l.a.node, l.b.node].sort().join('--'), l.subnet])),
  routerIds: Object.fromEntries(lab.routers.map((r) => [r.name, r.routerId])),
  lans: Object.fromEntries(lab.lans.map((l) => [l.eyeball, l.subnet])),
  clients: Object.fromEntries(lab.clients.map((c) => [c.name, c.address])),
});
const base = addressesOf(parse(BASE));

describe('link addressing', () => {
  it('gives each link its own /29 of the pool: gateway .1, a-end .2, b-end .3', () => {
    const lab = parse(BASE);
    const pool = parseCidr('10.77.0.0/16');
    expect(new Set(lab.links.map((l) => l.subnet)).size).toBe(lab.links.length);
    for (const l of lab.links) {
      const net = parseCidr(l.subnet);
      expect(net.bits).toBe(29);
      expect(contains(pool, net.base)).toBe(true);
      expect([l.gateway, l.a.address, l.b.address]).toEqual([hostAt(net, 1), hostAt(net, 2), hostAt(net, 3)]);
    }
  });

  // Positional allocation shifted every later link (and so every neighbour
  // statement) when one was inserted: a live edit reconfigured the whole lab.
  it.each([
    ['a PoP and its link inserted first', (t: string) => insertAfter(29, '  - { a: pop-c, b: t-two }', insertAfter(23, '  - { name: pop-c, asn: 64500 }', t))],
    [
      'a transit and its links in the middle',
      (t: string) =>
        insertAfter(
          30,
          '  - { a: t-three, b: pop-a }\n  - { a: t-three, b: eb }',
          insertAfter(25, '  - { name: t-three, asn: 65030 }', insertAfter(20, '  - { asn: 65030, name: Transit Three, role: transit }', t)),
        ),
    ],
    ['a second uplink added at the end', (t: string) => insertAfter(32, '  - { a: pop-a, b: t-two }', t)],
    ['the ends of a link swapped', (t: string) => editLine(29, '{ a: pop-a, b: t-one }', '{ a: t-one, b: pop-a }', t)],
    [
      'the links and routers in reverse order',
      (t: string) => {
        const lines = t.split('\n');
        return [...lines.slice(0, 22), ...lines.slice(22, 27).reverse(), lines[27], ...lines.slice(28, 32).reverse(), ...lines.slice(32)].join('\n');
      },
    ],
    ['a second client inserted before the first', (t: string) => insertAfter(34, '  - { name: c0, eyeball: eb }', t)],
  ])('keeps every existing address with %s', (_, edit) => {
    const after = addressesOf(parse(edit(BASE)));
    for (const kind of ['links', 'routerIds', 'lans', 'clients'] as const)
      for (const [k, v] of Object.entries(base[kind])) if (k in after[kind]) expect(`${kind} ${k} ${after[kind][k]}`).toBe(`${kind} ${k} ${v}`);
  });

  it('never hands out a subnet the file sets on another link, wherever it sits in the pool', () => {
    // pop-b--t-two is pinned to the /29 pop-a--t-one would get by its name, eb--t-one to a /28 elsewhere.
    const taken = base.links['pop-a--t-one'];
    const wide = '10.77.200.16/28';
    let text = editLine(30, 'b: t-two }', `b: t-two, subnet: ${taken} }`);
    text = editLine(32, 'b: t-one }', `b: t-one, subnet: ${wide} }`, text);
    const lab = parse(text);
    expect(link(lab, 'pop-b--t-two').subnet).toBe(taken);
    expect(link(lab, 'eb--t-one').subnet).toBe(wide);
    for (const l of lab.links.filter((x) => !['pop-b--t-two', 'eb--t-one'].includes(x.name))) {
      expect(overlaps(parseCidr(l.subnet), parseCidr(taken))).toBe(false);
      expect(overlaps(parseCidr(l.subnet), parseCidr(wide))).toBe(false);
    }
  });

  it('allows an explicit subnet outside the pool and an explicit end address', () => {
    const lab = parse(editLine(29, '{ a: pop-a, b: t-one }', '{ a: { node: pop-a, address: 172.16.0.5 }, b: t-one, subnet: 172.16.0.0/29 }'));
    expect(link(lab, 'pop-a--t-one')).toMatchObject({
      subnet: '172.16.0.0/29',
      gateway: '172.16.0.1',
      a: { address: '172.16.0.5' },
      b: { address: '172.16.0.3' },
    });
    expect(link(lab, 'pop-b--t-two').subnet).toBe(base.links['pop-b--t-two']);
  });

  it('uses the addressing pools of the file', () => {
    const lab = parse(editLine(11, '10.78.0.0/16', '172.20.0.0/16', editLine(10, '10.77.0.0/16', '172.19.4.0/22')));
    for (const l of lab.links) expect(contains(parseCidr('172.19.4.0/22'), l.subnet.split('/')[0])).toBe(true);
    expect(contains(parseCidr('172.20.0.0/16'), lab.lans[0].subnet.split('/')[0])).toBe(true);
  });

  it('reports an exhausted links pool instead of handing out addresses outside it', () => {
    expect(() => parse(editLine(10, '10.77.0.0/16', '10.77.0.0/28'))).toThrow(/addressing\.links: links pool 10\.77\.0\.0\/28 is exhausted at links\[\d\]/);
  });
});

describe('client LANs', () => {
  const twoEyeballs = (() => {
    let t = insertAfter(21, '  - { asn: 64602, name: Eyeball Two, role: eyeball }');
    t = insertAfter(28, '  - { name: eb-two, asn: 64602 }', t);
    t = insertAfter(34, '  - { a: eb-two, b: t-two }', t);
    return `${t}  - { name: c2, eyeball: eb-two }\n  - { name: c3, eyeball: eb }\n  - { name: c4, eyeball: eb, address: 10.78.0.99 }\n`;
  })();

  it('gives each eyeball with clients a /24: bridge .1, router .2, clients from .10; a client address set in the file pins its LAN', () => {
    const lab = parse(twoEyeballs);
    const two = lab.lans.find((l) => l.eyeball === 'eb-two')!;
    const net = parseCidr(two.subnet);
    expect(net.bits).toBe(24);
    expect(lab.lans).toEqual([
      { name: 'lan-eb', eyeball: 'eb', subnet: '10.78.0.0/24', gateway: '10.78.0.1', routerAddress: '10.78.0.2', clients: ['c1', 'c3', 'c4'] },
      { name: 'lan-eb-two', eyeball: 'eb-two', subnet: two.subnet, gateway: hostAt(net, 1), routerAddress: hostAt(net, 2), clients: ['c2'] },
    ]);
    expect(two.subnet).not.toBe('10.78.0.0/24');
    for (const c of lab.clients) {
      const lan = lab.lans.find((l) => l.eyeball === c.eyeball)!;
      expect([c.lan, c.gateway]).toEqual([lan.subnet, lan.routerAddress]);
      expect(contains(parseCidr(lan.subnet), c.address)).toBe(true);
      expect(toInt(c.address) - parseCidr(lan.subnet).base).toBeGreaterThanOrEqual(10);
    }
    expect(lab.clients.find((c) => c.name === 'c4')?.address).toBe('10.78.0.99');
    expect(new Set(lab.clients.map((c) => c.address)).size).toBe(4);
  });

  it('rejects a client address on the bridge or the router', () => {
    expect(() => parse(twoEyeballs.replace('10.78.0.99', '10.78.0.2'))).toThrow(
      /clients\[3\]\.address: address 10\.78\.0\.2 must be in 10\.78\.0\.0\/24 and above \.2/,
    );
  });

  it('has no LAN for an eyeball without clients', () => {
    const lab = parse(deleteLines(33, 34));
    expect(lab.clients).toEqual([]);
    expect(lab.lans).toEqual([]);
  });
});

describe('router ids', () => {
  it('are distinct hosts of the routerIds pool', () => {
    const ids = parse(BASE).routers.map((r) => r.routerId);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(contains(parseCidr('10.255.0.0/16'), id) && id !== '10.255.0.0' && id !== '10.255.255.255').toBe(true);
  });

  it('skip ids that a router sets explicitly', () => {
    // t-two takes the id pop-a would get by its name.
    const lab = parse(editLine(26, 'asn: 65020 }', `asn: 65020, routerId: ${base.routerIds['pop-a']} }`));
    const byName = Object.fromEntries(lab.routers.map((r) => [r.name, r.routerId]));
    expect(byName['t-two']).toBe(base.routerIds['pop-a']);
    expect(byName['pop-a']).not.toBe(base.routerIds['pop-a']);
    expect(new Set(Object.values(byName)).size).toBe(5);
  });

  it('may lie outside the pool when explicit, but not be used twice', () => {
    expect(parse(editLine(27, 'asn: 64601 }', 'asn: 64601, routerId: 192.168.1.1 }')).routers[4].routerId).toBe('192.168.1.1');
    const twice = editLine(27, 'asn: 64601 }', 'asn: 64601, routerId: 10.255.0.9 }', editLine(26, 'asn: 65020 }', 'asn: 65020, routerId: 10.255.0.9 }'));
    expect(() => parse(twice)).toThrow(/routers\[4\]\.routerId: router-id 10\.255\.0\.9 is already used by routers\[3\]/);
  });
});

describe('session policy defaults', () => {
  it('a transit prefers routes from its customers (PoPs and eyeballs): local-pref 200, everything else 100', () => {
    const lab = parse(BASE);
    expect(lab.links.map((l) => [l.name, l.a.localPref, l.b.localPref])).toEqual([
      ['pop-a--t-one', 100, 200],
      ['pop-b--t-two', 100, 200],
      ['t-one--t-two', 100, 100],
      ['eb--t-one', 100, 200],
    ]);
    expect(DEFAULTS.customerLocalPref).toBe(200);
  });

  it('the transit side gets 200 whichever end of the link it is written on', () => {
    const lab = parse(editLine(29, '{ a: pop-a, b: t-one }', '{ a: t-one, b: pop-a }'));
    expect(link(lab, 't-one--pop-a')).toMatchObject({ a: { node: 't-one', localPref: 200 }, b: { node: 'pop-a', localPref: 100 } });
  });

  it('an explicit localPref, prepend or med wins', () => {
    const lab = parse(editLine(29, '{ a: pop-a, b: t-one }', '{ a: { node: pop-a, med: 50, prepend: 3 }, b: { node: t-one, localPref: 150 } }'));
    expect(link(lab, 'pop-a--t-one')).toMatchObject({ a: { localPref: 100, prepend: 3, med: 50 }, b: { localPref: 150, prepend: 0 } });
    expect(link(lab, 'pop-a--t-one').b).not.toHaveProperty('med');
  });

  it('carries remoteAs (a deliberate misconfiguration) to the link end, and only where it is set', () => {
    const lab = parse(editLine(29, 'a: pop-a', 'a: { node: pop-a, remoteAs: 65099 }'));
    expect(link(lab, 'pop-a--t-one').a.remoteAs).toBe(65099);
    expect(link(lab, 'pop-a--t-one').b).not.toHaveProperty('remoteAs');
    expect(lab.links.slice(1).some((l) => 'remoteAs' in l.a || 'remoteAs' in l.b)).toBe(false);
  });
});

describe('BFD and BGP timers', () => {
  const withoutBgp = deleteLines(13, 16);

  it('default to BFD 100 ms x 3 and keepalive 3 s / hold 9 s', () => {
    const lab = parse(withoutBgp);
    for (const l of lab.links) {
      expect(l.bfd).toEqual({ enabled: true, interval: 100, multiplier: 3 });
      expect(l.timers).toEqual({ keepalive: 3, hold: 9 });
    }
  });

  it('take the bgp section as the default of every link', () => {
    const lab = parse(
      editLine(
        16,
        'hold: 9',
        'hold: 30',
        editLine(15, 'keepalive: 3', 'keepalive: 10', editLine(14, '{ interval: 100, multiplier: 3 }', '{ interval: 50, multiplier: 4 }')),
      ),
    );
    expect(lab.links.map((l) => [l.bfd, l.timers])).toEqual(
      Array(4).fill([
        { enabled: true, interval: 50, multiplier: 4 },
        { keepalive: 10, hold: 30 },
      ]),
    );
  });

  it('are overridden per link: bfd: false, bfd: { interval }, keepalive and hold', () => {
    let text = editLine(29, 'b: t-one }', 'b: t-one, bfd: false }');
    text = editLine(30, 'b: t-two }', 'b: t-two, bfd: { interval: 300 } }', text);
    text = editLine(31, 'b: t-two }', 'b: t-two, keepalive: 1, hold: 3 }', text);
    const lab = parse(text);
    expect(lab.links.map((l) => [l.name, l.bfd, l.timers])).toEqual([
      ['pop-a--t-one', { enabled: false, interval: 100, multiplier: 3 }, { keepalive: 3, hold: 9 }],
      ['pop-b--t-two', { enabled: true, interval: 300, multiplier: 3 }, { keepalive: 3, hold: 9 }],
      ['t-one--t-two', { enabled: true, interval: 100, multiplier: 3 }, { keepalive: 1, hold: 3 }],
      ['eb--t-one', { enabled: true, interval: 100, multiplier: 3 }, { keepalive: 3, hold: 9 }],
    ]);
  });

  it('a link that gives BFD parameters turns BFD on even when the default is off', () => {
    const lab = parse(editLine(29, 'b: t-one }', 'b: t-one, bfd: { multiplier: 5 } }', editLine(14, '{ interval: 100, multiplier: 3 }', 'false')));
    expect(lab.links.map((l) => l.bfd.enabled)).toEqual([true, false, false, false]);
    expect(lab.links[0].bfd).toEqual({ enabled: true, interval: 100, multiplier: 5 });
  });

  it('hold 0 disables the hold timer, whatever the keepalive', () => {
    const lab = parse(editLine(16, 'hold: 9', 'hold: 0'));
    expect(lab.links[0].timers).toEqual({ keepalive: 3, hold: 0 });
  });
});

describe('other defaults', () => {
  it('a PoP without colo gets its name, upper-cased and cut to 6 characters; other roles get none', () => {
    const text = BASE.replaceAll('pop-a', 'frankfurt').replaceAll('pop-b', 'fra');
    const lab = parse(text);
    expect(lab.routers.map((r) => [r.name, r.colo])).toEqual([
      ['frankfurt', 'FRANKF'],
      ['fra', 'FRA'],
      ['t-one', undefined],
      ['t-two', undefined],
      ['eb', undefined],
    ]);
    expect(parse(editLine(23, 'asn: 64500 }', 'asn: 64500, colo: FRA1 }')).routers[0].colo).toBe('FRA1');
  });

  it('fills the anycast service and health check when the file leaves them out', () => {
    const lab = parse(deleteLines(2, 8));
    // With no records, the apex still gets a name server: ns.<zone> at the DNS address.
    expect(lab.anycast).toEqual({
      prefix: '192.0.2.0/24',
      dnsAddress: '192.0.2.53',
      httpAddress: '192.0.2.80',
      streamPort: 7000,
      zone: 'lab.',
      records: { 'ns.lab.': '192.0.2.53' },
      nameservers: ['ns.lab.'],
      soa: { mname: 'ns.lab.', rname: 'hostmaster.lab.', serial: 1, refresh: 14400, retry: 3600, expire: 1209600, minimum: 300 },
    });
    expect(lab.health).toEqual({ interval: 200, failures: 3, holdDown: 2000 });
  });

  it('stores records fully qualified and lower-case', () => {
    const lab = parse(insertAfter(8, '    NS.lab: 192.0.2.53'));
    expect(lab.anycast.records).toEqual({ 'www.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53' });
  });
});

describe('ipv4', () => {
  it.each([
    ['10.0.0.0/8', true],
    ['0.0.0.0/0', true],
    ['192.0.2.53/32', true],
    ['10.77.0.8/29', true],
    ['10.77.0.4/29', false],
    ['192.0.2.1/24', false],
    ['192.0.2.0/33', false],
    ['192.0.2.0', false],
    ['192.0.2.0/', false],
    ['192.0.2.0/24/1', false],
    ['256.0.2.0/24', false],
    ['10.0.0/8', false],
  ])('isNetwork(%s) is %s', (s, ok) => {
    expect(isNetwork(s)).toBe(ok);
  });

  it('parses addresses and networks', () => {
    expect(isIPv4('192.0.2.53')).toBe(true);
    expect(isIPv4('192.0.2')).toBe(false);
    expect(isIPv4('0x7f.0.0.1')).toBe(false);
    expect(tryParseCidr('10.77.0.0/16')).toEqual({ base: toInt('10.77.0.0'), bits: 16 });
    expect(tryParseCidr('10.77.0.0/x')).toBeUndefined();
    expect(() => parseCidr('nope')).toThrow(/not an IPv4 network: nope/);
    expect(fromInt(toInt('255.255.255.255'))).toBe('255.255.255.255');
    expect(mask(0)).toBe(0);
    expect(mask(32)).toBe(0xffffffff);
    expect(size(parseCidr('10.77.0.0/29'))).toBe(8);
    expect(hostAt(parseCidr('10.77.0.8/29'), 3)).toBe('10.77.0.11');
    expect(formatCidr(parseCidr('10.77.0.8/29'))).toBe('10.77.0.8/29');
  });

  it('contains', () => {
    const net = parseCidr('192.0.2.0/24');
    expect(contains(net, '192.0.2.255')).toBe(true);
    expect(contains(net, '192.0.3.0')).toBe(false);
    expect(contains(parseCidr('0.0.0.0/0'), '203.0.113.9')).toBe(true);
  });

  it.each([
    ['10.0.0.0/8', '10.77.0.0/16', true],
    ['10.77.0.0/16', '10.0.0.0/8', true],
    ['10.77.0.0/29', '10.77.0.0/29', true],
    ['10.77.0.0/29', '10.77.0.8/29', false],
    ['10.77.0.0/28', '10.77.0.8/29', true],
    ['10.77.0.0/16', '10.78.0.0/16', false],
    ['0.0.0.0/0', '192.0.2.0/24', true],
    ['192.0.2.53/32', '192.0.2.0/24', true],
  ])('overlaps(%s, %s) is %s', (x, y, want) => {
    expect(overlaps(parseCidr(x), parseCidr(y))).toBe(want);
  });

  describe('KeyedAllocator', () => {
    const all = (a: KeyedAllocator, keys: string[]): (string | undefined)[] =>
      keys.map((k) => {
        const c = a.allocate(k);
        return c && formatCidr(c);
      });

    it('hands out distinct subnets of the pool until it is exhausted, then nothing', () => {
      const got = all(new KeyedAllocator(parseCidr('10.77.0.0/27'), 29), ['a', 'b', 'c', 'd', 'e']);
      expect(new Set(got.slice(0, 4))).toEqual(new Set(['10.77.0.0/29', '10.77.0.8/29', '10.77.0.16/29', '10.77.0.24/29']));
      expect(got[4]).toBeUndefined();
    });

    it('gives a key the same subnet whatever else is allocated, unless that slot was taken first', () => {
      const alone = all(new KeyedAllocator(parseCidr('10.77.0.0/16'), 29), ['fra--t-eu'])[0];
      expect(all(new KeyedAllocator(parseCidr('10.77.0.0/16'), 29), ['a', 'b', 'c', 'fra--t-eu'])[3]).toBe(alone);
    });

    it('skips reserved subnets, including larger ones and ones only partly inside the pool', () => {
      const reserved = [parseCidr('10.77.0.8/29'), parseCidr('10.77.0.32/28'), parseCidr('10.77.0.56/29')];
      const got = all(new KeyedAllocator(parseCidr('10.77.0.0/26'), 29, reserved), ['a', 'b', 'c', 'd', 'e']);
      expect(new Set(got.slice(0, 4))).toEqual(new Set(['10.77.0.0/29', '10.77.0.16/29', '10.77.0.24/29', '10.77.0.48/29']));
      expect(got[4]).toBeUndefined();
    });

    it('returns nothing from a pool smaller than one subnet, or one fully reserved', () => {
      expect(new KeyedAllocator(parseCidr('10.77.0.0/30'), 29).allocate('a')).toBeUndefined();
      expect(new KeyedAllocator(parseCidr('10.77.0.0/29'), 29, [parseCidr('10.0.0.0/8')]).allocate('a')).toBeUndefined();
    });

    it('works at the top of the address space without wrapping', () => {
      expect(new Set(all(new KeyedAllocator(parseCidr('255.255.255.240/28'), 29), ['a', 'b']))).toEqual(new Set(['255.255.255.240/29', '255.255.255.248/29']));
    });
  });
});
