// The dual-stack lab file (families: [ipv4, ipv6]): defaults, allocation by
// name, validation with file:line:field, and that an [ipv4] lab resolves to
// exactly the lab it always did. The compact base lab
// (test/fixtures/topology/base.ts) with IPv6 switched on is the subject.
import { describe, expect, it } from 'vitest';
import { LabFileError, type LabFileIssue } from '../../src/errors.js';
import { routesByFamily } from '../../src/topology/families.js';
import { parseLab } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { expectedRoutes } from '../../src/topology/reachability.js';
import { roleSpec } from '../../src/topology/roles/registry.js';
import { BASE, BASE_FILE, deleteLines, editLine, insertAfter } from '../fixtures/topology/base.js';

/** BASE with ipv6 on: `families` on line 2, the pools right under `routerIds`. */
const DUAL = insertAfter(
  lineOf(insertAfter(1, 'families: [ipv4, ipv6]'), 'routerIds:'),
  '  links6: fd00:77::/48\n  lans6: fd00:78::/48',
  insertAfter(1, 'families: [ipv4, ipv6]'),
);

/** 1-based line of the first line holding `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line holds "${needle}"`);
  return i + 1;
}

/** `base` with `text` inserted after the line that holds `needle`. */
const addAfter = (needle: string, text: string, base = DUAL): string => insertAfter(lineOf(base, needle), text, base);

/** `text` with `from` replaced by `to` on the line that holds `from`. */
const edit = (text: string, from: string, to: string): string => editLine(lineOf(text, from), from, to, text);

function issuesOf(text: string): LabFileIssue[] {
  try {
    parseLab(text, BASE_FILE);
  } catch (err) {
    if (err instanceof LabFileError) return err.issues;
    throw err;
  }
  throw new Error('expected a LabFileError, but the lab loaded');
}

const lab = (text: string): Lab => parseLab(text, BASE_FILE);

describe('families: [ipv4] is the lab as it always was', () => {
  it('an absent families and [ipv4] resolve to the same lab, with no ipv6 part anywhere', () => {
    const absent = lab(BASE);
    expect(lab(insertAfter(1, 'families: [ipv4]'))).toEqual(absent);
    expect(absent.families).toEqual(['ipv4']);
    expect(JSON.stringify(absent)).not.toMatch(/ipv6|expect6/);
  });

  it("roles' prefixes stay IPv4 only", () => {
    const l = lab(BASE);
    for (const r of l.routers) {
      const spec = roleSpec(r.role);
      for (const list of [spec.render.accepts(l, r), spec.converge.routes(l, r)]) expect(routesByFamily(list).ipv6).toEqual([]);
      expect(spec.render.networkLines(l, r, 'ipv6')).toEqual([]);
    }
  });
});

describe('dual-stack defaults', () => {
  const l = lab(DUAL);

  it('the /48, its service addresses and AAAA beside the A records at dns/http', () => {
    expect(l.families).toEqual(['ipv4', 'ipv6']);
    expect(l.anycast.ipv6).toEqual({
      prefix: '2001:db8::/48',
      dnsAddress: '2001:db8::53',
      httpAddress: '2001:db8::80',
      records: { 'www.lab.': '2001:db8::80', 'ns.lab.': '2001:db8::53' },
    });
  });

  it('every link gets a /64 of links6: bridge ::1, a ::2, b ::3, policy as the IPv4 end', () => {
    for (const link of l.links) {
      const net = link.ipv6!.subnet.replace(/::\/64$/, '');
      expect(link.ipv6!.subnet).toMatch(/^fd00:77:0:[0-9a-f]{1,4}::\/64$/);
      expect(link.ipv6!.gateway).toBe(`${net}::1`);
      expect(link.a.ipv6).toEqual({ address: `${net}::2`, localPref: link.a.localPref, prepend: link.a.prepend });
      expect(link.b.ipv6).toEqual({ address: `${net}::3`, localPref: link.b.localPref, prepend: link.b.prepend });
    }
    expect(new Set(l.links.map((x) => x.ipv6!.subnet)).size).toBe(l.links.length);
  });

  it('LANs get a /64 of lans6 (eyeball ::2); clients their IPv4 host number spelled alike', () => {
    const [lan] = l.lans;
    const net = lan.ipv6!.subnet.replace(/::\/64$/, '');
    expect(lan.ipv6).toEqual({ subnet: expect.stringMatching(/^fd00:78:/), gateway: `${net}::1`, routerAddress: `${net}::2` });
    const [c1] = l.clients;
    const host = c1.address.split('.')[3];
    expect(c1.ipv6).toEqual({ address: `${net}::${host}`, gateway: `${net}::2` });
    expect(c1.expect6).toBeUndefined();
  });

  it("roles' lists hold both families, IPv4 first; PoPs announce the /48 in the ipv6 AF", () => {
    const t = l.routers.find((r) => r.name === 't-one')!;
    const routes = roleSpec(t.role).converge.routes(l, t);
    expect(routesByFamily(routes)).toEqual({ ipv4: ['192.0.2.0/24', l.lans[0].subnet], ipv6: ['2001:db8::/48', l.lans[0].ipv6!.subnet] });
    expect(expectedRoutes(l, 'eb')).toEqual(['192.0.2.0/24', '2001:db8::/48']);
    const pop = l.routers.find((r) => r.name === 'pop-a')!;
    expect(roleSpec(pop.role).render.networkLines(l, pop, 'ipv6').at(-1)).toBe('  network 2001:db8::/48');
    const owned = roleSpec('pop').converge.runtimeOwned(l);
    expect(owned.some((re) => re.test('router bgp 64500 > address-family ipv6 unicast > network 2001:db8::/48'))).toBe(true);
    expect(owned.some((re) => re.test('router bgp 64500 > address-family ipv4 unicast > network 192.0.2.0/24'))).toBe(true);
  });

  it('a per-family policy on an end changes only that end of the IPv6 session', () => {
    const text = edit(DUAL, '{ a: t-one, b: t-two }', '{ a: { node: t-one, localPref: 110, ipv6: { localPref: 250, med: 7 } }, b: t-two }');
    const link = lab(text).links.find((x) => x.name === 't-one--t-two')!;
    expect(link.a.localPref).toBe(110);
    expect(link.a.med).toBeUndefined();
    expect(link.a.ipv6).toMatchObject({ localPref: 250, prepend: 0, med: 7 });
    expect(link.b.ipv6).toMatchObject({ localPref: 100, prepend: 0 });
  });

  it('families keep the order the file lists them in', () => {
    expect(lab(edit(DUAL, 'families: [ipv4, ipv6]', 'families: [ipv6, ipv4]')).families).toEqual(['ipv6', 'ipv4']);
  });

  it('expect6 is carried to the client', () => {
    const text = edit(DUAL, 'expect: { pop: pop-a, backup: pop-b } }', 'expect: { pop: pop-a, backup: pop-b }, expect6: { pop: pop-b } }');
    expect(lab(text).clients[0].expect6).toEqual({ pop: 'pop-b' });
  });

  it('explicit prefix6/dns6/http6/records6 are taken as written, in RFC 5952 form', () => {
    const text = addAfter('zone: lab.', '  prefix6: FD00:99:0::/48\n  dns6: fd00:99::0:53\n  http6: fd00:99::80\n  records6: { www.lab.: "fd00:99::80" }');
    expect(lab(text).anycast.ipv6).toEqual({
      prefix: 'fd00:99::/48',
      dnsAddress: 'fd00:99::53',
      httpAddress: 'fd00:99::80',
      records: { 'www.lab.': 'fd00:99::80' },
    });
  });
});

describe('allocation by name', () => {
  const before = lab(DUAL);
  // A new PoP and eyeball with its client, inserted first in every list: nothing else may move.
  let text = insertAfter(lineOf(DUAL, '- { name: pop-a'), '  - { name: pop-c, asn: 64500 }\n  - { name: eb-two, asn: 64602 }', DUAL);
  text = insertAfter(lineOf(text, '- { asn: 64601'), '  - { asn: 64602, name: Eyeball Two, role: eyeball }', text);
  text = insertAfter(lineOf(text, '- { a: pop-a, b: t-one }') - 1, '  - { a: pop-c, b: t-two }\n  - { a: eb-two, b: t-two }', text);
  text = insertAfter(lineOf(text, 'clients:'), '  - { name: c0, eyeball: eb-two }', text);
  const grown = lab(text);

  it('adding routers, links and a LAN moves no existing /64', () => {
    const v6 = (l: Lab) => Object.fromEntries([...l.links.map((x) => [x.name, x.ipv6]), ...l.lans.map((x) => [x.name, x.ipv6])]);
    const kept = v6(grown);
    for (const [name, part] of Object.entries(v6(before))) expect(kept[name], name).toEqual(part);
    expect(grown.links.length).toBe(before.links.length + 2);
  });

  it('the same file gives the same addresses', () => {
    expect(lab(DUAL)).toEqual(before);
  });
});

describe('dual-stack validation: file, line and field', () => {
  const cases: { name: string; text: string; field: string; line: number; message: RegExp }[] = [
    {
      name: 'an anycast prefix outside documentation and ULA space',
      text: addAfter('zone: lab.', '  prefix6: 2a00:1450::/48'),
      field: 'anycast.prefix6',
      line: lineOf(DUAL, 'zone: lab.') + 1,
      message: /2a00:1450::\/48 is outside documentation space \(2001:db8::\/32\) and ULA/,
    },
    {
      name: 'an anycast prefix longer than /48',
      text: addAfter('zone: lab.', '  prefix6: 2001:db8:0:1::/64'),
      field: 'anycast.prefix6',
      line: lineOf(DUAL, 'zone: lab.') + 1,
      message: /longer than \/48/,
    },
    {
      name: 'ipv6 listed without a links6 pool (the pools are not defaulted)',
      text: edit(DUAL, '  links6: fd00:77::/48', ''),
      field: 'addressing.links6',
      // A missing field points at its parent's block, as for every field (load.ts).
      line: lineOf(DUAL, 'addressing:') + 1,
      message: /families lists ipv6 but addressing\.links6 is missing/,
    },
    {
      name: 'ipv6 listed and no addressing block at all: the families line',
      text: deleteLines(lineOf(DUAL, 'addressing:'), lineOf(DUAL, 'lans6:'), DUAL),
      field: 'families',
      line: 2,
      message: /addressing\.links6 is missing/,
    },
    {
      name: 'a pool that is not ULA',
      text: edit(DUAL, 'lans6: fd00:78::/48', 'lans6: 2001:db8:1::/48'),
      field: 'addressing.lans6',
      line: lineOf(DUAL, 'lans6:'),
      message: /lans6 pool 2001:db8:1::\/48 is not unique local space/,
    },
    {
      name: 'the /48 overlapping a pool',
      text: addAfter('zone: lab.', '  prefix6: fd00:77::/48'),
      field: 'addressing.links6',
      line: lineOf(DUAL, 'links6:') + 1,
      message: /links6 pool fd00:77::\/48 overlaps the anycast prefix fd00:77::\/48/,
    },
    {
      name: 'the two pools overlapping',
      text: edit(DUAL, 'lans6: fd00:78::/48', 'lans6: fd00:77:0:8000::/49'),
      field: 'addressing.lans6',
      line: lineOf(DUAL, 'lans6:'),
      message: /overlaps links6 pool/,
    },
    {
      name: 'dns6 outside prefix6',
      text: addAfter('zone: lab.', '  dns6: 2001:db8:1::53'),
      field: 'anycast.dns6',
      line: lineOf(DUAL, 'zone: lab.') + 1,
      message: /service address 2001:db8:1::53 is outside the anycast prefix 2001:db8::\/48/,
    },
    {
      name: 'http6 on the network address',
      text: addAfter('zone: lab.', '  http6: "2001:db8::"'),
      field: 'anycast.http6',
      line: lineOf(DUAL, 'zone: lab.') + 1,
      message: /network address/,
    },
    {
      name: 'an AAAA record outside the /48',
      text: addAfter('zone: lab.', '  records6: { www.lab.: "2001:db8:5::80" }'),
      field: 'anycast.records6["www.lab."]',
      line: lineOf(DUAL, 'zone: lab.') + 1,
      message: /outside the anycast prefix/,
    },
    {
      name: 'an IPv6 setting in an [ipv4] lab',
      text: addAfter('routerIds:', '  links6: fd00:77::/48', BASE),
      field: 'addressing.links6',
      line: lineOf(BASE, 'routerIds:') + 1,
      message: /IPv6 setting, but families does not list ipv6/,
    },
    {
      name: 'a per-family policy in an [ipv4] lab',
      text: edit(BASE, '{ a: t-one, b: t-two }', '{ a: { node: t-one, ipv6: { localPref: 250 } }, b: t-two }'),
      field: 'links[2].a.ipv6',
      line: lineOf(BASE, '{ a: t-one, b: t-two }'),
      message: /families does not list ipv6/,
    },
    {
      name: 'expect6 naming a router that is not a PoP',
      text: edit(DUAL, 'expect: { pop: pop-a, backup: pop-b } }', 'expect: { pop: pop-a }, expect6: { pop: t-one } }'),
      field: 'clients[0].expect6.pop',
      line: lineOf(DUAL, 'name: c1'),
      message: /"t-one" is not PoPs/,
    },
    {
      name: 'expect6 naming a PoP whose /48 cannot reach the client',
      // pop-b peers only with a second eyeball, which passes on nothing it learns.
      text: (() => {
        let t = edit(DUAL, '{ a: pop-b, b: t-two }', '{ a: pop-b, b: eb2 }');
        t = addAfter('- { name: eb, asn: 64601 }', '  - { name: eb2, asn: 64602 }', t);
        t = addAfter('- { asn: 64601', '  - { asn: 64602, name: Eyeball Two, role: eyeball }', t);
        t = addAfter('- { a: eb, b: t-one }', '  - { a: eb2, b: t-two }', t);
        return edit(t, 'expect: { pop: pop-a, backup: pop-b } }', 'expect: { pop: pop-a }, expect6: { pop: pop-b } }');
      })(),
      field: 'clients[0].expect6.pop',
      line: lineOf(DUAL, 'name: c1') + 3,
      message: /pop-b cannot answer c1: no path carries pop-b's 2001:db8::\/48 to eb /,
    },
    {
      name: 'an IPv6-only lab',
      text: edit(DUAL, 'families: [ipv4, ipv6]', 'families: [ipv6]'),
      field: 'families',
      line: 2,
      message: /families must include ipv4/,
    },
    {
      name: 'an unknown family',
      text: edit(DUAL, 'families: [ipv4, ipv6]', 'families: [ipv4, ipx]'),
      field: 'families[1]',
      line: 2,
      message: /unknown address family "ipx"/,
    },
    {
      name: 'a per-end policy out of range',
      text: edit(DUAL, '{ a: t-one, b: t-two }', '{ a: { node: t-one, ipv6: { prepend: 11 } }, b: t-two }'),
      field: 'links[2].a.ipv6.prepend',
      line: lineOf(DUAL, '{ a: t-one, b: t-two }'),
      message: /prepend out of range/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const issues = issuesOf(c.text);
      const hit = issues.find((i) => i.field === c.field);
      expect(hit, JSON.stringify(issues)).toBeDefined();
      expect(hit!.message).toMatch(c.message);
      expect(hit!.line).toBe(c.line);
      expect(hit!.file).toBe(BASE_FILE);
    });
  }
});
