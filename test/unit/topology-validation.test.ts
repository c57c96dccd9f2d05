// Every malformed lab file must be rejected before anything touches Docker,
// with an issue that names the field, the line it is on and what was expected.
// Each case is the compact base lab (test/fixtures/topology/base.ts) with one
// line edited; `line` is where the person has to look.
import { describe, expect, it } from 'vitest';
import { LabFileError, type LabFileIssue } from '../../src/errors.js';
import { parseLab } from '../../src/topology/load.js';
import { BASE, BASE_FILE, deleteLines, editLine, insertAfter, replaceLine } from '../fixtures/topology/base.js';

interface Case {
  name: string;
  text: string;
  field: string;
  line: number;
  column?: number;
  message: RegExp;
}

function issuesOf(text: string): LabFileIssue[] {
  try {
    parseLab(text, BASE_FILE);
  } catch (err) {
    if (err instanceof LabFileError) return err.issues;
    throw err;
  }
  throw new Error('expected a LabFileError, but the lab loaded');
}

const cases: Case[] = [
  // --- YAML itself
  {
    name: 'YAML syntax error: unterminated flow mapping',
    text: editLine(23, '{ name: pop-a, asn: 64500 }', '{ name: pop-a, asn: 64500'),
    field: '',
    line: 24,
    column: 3,
    message: /^YAML syntax error: .*(flow|}|mapping)/i,
  },
  {
    name: 'YAML syntax error: a tab where indentation is expected',
    text: editLine(15, '  keepalive', '\tkeepalive'),
    field: '',
    line: 15,
    column: 1,
    message: /^YAML syntax error: .*tab/i,
  },
  { name: 'duplicate YAML key', text: insertAfter(4, '  dns: 192.0.2.54'), field: 'anycast.dns', line: 5, column: 3, message: /YAML syntax error: .*unique/i },

  // --- shape
  {
    name: 'unknown top-level field, with a suggestion',
    text: editLine(33, 'clients:', 'clinets:'),
    field: 'clinets',
    line: 33,
    column: 1,
    message: /unknown field "clinets" \(did you mean "clients"\?\)/,
  },
  {
    name: 'unknown field inside a link lists the known ones',
    text: editLine(29, 'b: t-one }', 'b: t-one, cost: 10 }'),
    field: 'links[0].cost',
    line: 29,
    column: 27,
    message: /unknown field "cost" \(expected one of: a, b, subnet, delay, bfd, keepalive, hold\)/,
  },
  {
    name: 'unknown field inside a link end',
    text: editLine(29, 'a: pop-a', 'a: { node: pop-a, localpref: 200 }'),
    field: 'links[0].a.localpref',
    line: 29,
    message: /unknown field "localpref" \(did you mean "localPref"\?\)/,
  },
  { name: 'missing required name', text: replaceLine(1, ''), field: 'name', line: 1, column: 1, message: /required field is missing/ },
  { name: 'missing client name', text: editLine(34, 'name: c1, ', ''), field: 'clients[0].name', line: 34, message: /required field is missing/ },
  { name: 'bad name characters', text: editLine(1, 'mini', 'Mini_Lab'), field: 'name', line: 1, column: 7, message: /lower-case name/ },
  { name: 'bad router name characters', text: editLine(25, 't-one', 't.one'), field: 'routers[2].name', line: 25, message: /lower-case name/ },

  // --- links
  {
    name: 'unknown node in a link lists the routers',
    text: editLine(29, 'b: t-one', 'b: t-three'),
    field: 'links[0].b',
    line: 29,
    column: 20,
    message: /unknown router "t-three" \(routers: pop-a, pop-b, t-one, t-two, eb\)/,
  },
  {
    name: 'a link naming a client',
    text: editLine(32, 'a: eb', 'a: c1'),
    field: 'links[3].a',
    line: 32,
    message: /unknown router "c1" \(it is not a router; clients attach with clients\[\]\.eyeball\)/,
  },
  { name: 'self-loop link', text: editLine(31, 'b: t-two', 'b: t-one'), field: 'links[2].b', line: 31, message: /connects t-one to itself/ },
  {
    name: 'duplicate link (either direction)',
    text: insertAfter(32, '  - { a: t-one, b: pop-a }'),
    field: 'links[4]',
    line: 33,
    message: /duplicate link t-one -- pop-a \(also links\[0\]\)/,
  },
  {
    name: 'link inside one AS (iBGP not modelled)',
    text: editLine(31, 'a: t-one, b: t-two', 'a: pop-a, b: pop-b'),
    field: 'links[2]',
    line: 31,
    message: /both in AS 64500: .*iBGP is not modelled/,
  },
  {
    name: 'PoP–PoP link between two operators',
    text: insertAfter(
      18,
      '  - { asn: 64501, name: Other Operator, role: pop }',
      editLine(24, 'asn: 64500', 'asn: 64501', editLine(31, 'a: t-one, b: t-two', 'a: pop-a, b: pop-b')),
    ),
    field: 'links[2]',
    line: 32,
    message: /both PoPs: PoPs connect to transits or eyeballs/,
  },

  // --- AS numbers
  {
    name: 'ASN 0',
    text: editLine(18, 'asn: 64500', 'asn: 0'),
    field: 'ases[0].asn',
    line: 18,
    column: 12,
    message: /expected 1\.\.4294967294 \(0 is reserved/,
  },
  {
    name: 'ASN 4294967295',
    text: editLine(25, 'asn: 65010', 'asn: 4294967295'),
    field: 'routers[2].asn',
    line: 25,
    message: /out of range: expected 1\.\.4294967294/,
  },
  { name: 'ASN 23456 (AS_TRANS)', text: editLine(19, 'asn: 65010', 'asn: 23456'), field: 'ases[1].asn', line: 19, message: /AS_TRANS/ },
  { name: 'ASN that is not a whole number', text: editLine(19, 'asn: 65010', 'asn: 65010.5'), field: 'ases[1].asn', line: 19, message: /whole AS number/ },
  {
    name: 'router ASN not declared under ases',
    text: editLine(27, 'asn: 64601', 'asn: 64602'),
    field: 'routers[4].asn',
    line: 27,
    message: /AS 64602 is not declared under "ases" \(declared: 64500, 65010, 65020, 64601\)/,
  },
  {
    name: 'duplicate ASN',
    text: insertAfter(21, '  - { asn: 65010, name: Transit Again, role: transit }'),
    field: 'ases[4].asn',
    line: 22,
    message: /duplicate AS 65010/,
  },
  {
    name: 'transit AS with two routers',
    text: editLine(26, 'asn: 65020', 'asn: 65010'),
    field: 'routers[3].asn',
    line: 26,
    message: /AS 65010 \(transit\) has several routers \(t-one, t-two\); only PoP ASes may/,
  },

  // --- names
  {
    name: 'duplicate router name',
    text: editLine(26, 'name: t-two', 'name: t-one'),
    field: 'routers[3].name',
    line: 26,
    message: /duplicate node name "t-one" \(already used at routers\[2\]\.name\)/,
  },
  {
    name: 'client name equal to a router name',
    text: editLine(34, 'name: c1', 'name: eb'),
    field: 'clients[0].name',
    line: 34,
    message: /duplicate node name "eb" \(already used at routers\[4\]\.name\)/,
  },
  {
    name: 'client eyeball unknown',
    text: editLine(34, 'eyeball: eb', 'eyeball: eb-x'),
    field: 'clients[0].eyeball',
    line: 34,
    message: /unknown router "eb-x" \(eyeballs: eb\)/,
  },
  {
    name: 'client eyeball that is a transit',
    text: editLine(34, 'eyeball: eb', 'eyeball: t-one'),
    field: 'clients[0].eyeball',
    line: 34,
    message: /t-one is a transit, not an eyeball/,
  },
  {
    name: 'expect.pop naming a non-PoP',
    text: editLine(34, 'pop: pop-a', 'pop: t-one'),
    field: 'clients[0].expect.pop',
    line: 34,
    message: /"t-one" is not a PoP \(PoPs: pop-a, pop-b\)/,
  },

  // --- anycast service
  {
    name: 'prefix with host bits set',
    text: editLine(3, '192.0.2.0/24', '192.0.2.1/24'),
    field: 'anycast.prefix',
    line: 3,
    column: 11,
    message: /192\.0\.2\.1\/24 has host bits set \(the network is 192\.0\.2\.0\/24\)/,
  },
  { name: 'prefix /33', text: editLine(3, '192.0.2.0/24', '192.0.2.0/33'), field: 'anycast.prefix', line: 3, message: /expected an IPv4 network/ },
  {
    name: 'service address outside the prefix',
    text: editLine(4, '192.0.2.53', '198.51.100.53'),
    field: 'anycast.dns',
    line: 4,
    message: /service address 198\.51\.100\.53 is outside the anycast prefix 192\.0\.2\.0\/24/,
  },
  {
    name: 'record outside the zone',
    text: editLine(8, 'www.lab.', 'www.example.'),
    field: 'anycast.records["www.example."]',
    line: 8,
    column: 5,
    message: /record "www\.example\." is outside the zone "lab\."/,
  },

  // --- the zone's apex: NS inside the anycast prefix, SOA timers a checker accepts
  {
    name: 'name server without an address',
    text: insertAfter(8, '  nameservers: [ns1.lab.]'),
    field: 'anycast.nameservers[0]',
    line: 9,
    message: /name server "ns1\.lab\." has no address: add it to anycast\.records with an address inside 192\.0\.2\.0\/24/,
  },
  {
    name: 'name server outside the anycast prefix',
    text: insertAfter(8, '    ns1.lab.: 198.51.100.53\n  nameservers: [ns1.lab.]'),
    field: 'anycast.nameservers[0]',
    line: 10,
    message: /name server "ns1\.lab\." is at 198\.51\.100\.53, outside the anycast prefix 192\.0\.2\.0\/24/,
  },
  {
    name: 'name server outside the zone',
    text: insertAfter(8, '  nameservers: [ns.example.]'),
    field: 'anycast.nameservers[0]',
    line: 9,
    message: /name server "ns\.example\." is outside the zone "lab\."/,
  },
  {
    name: 'default name server not at the DNS address',
    text: insertAfter(8, '    ns.lab.: 198.51.100.53'),
    field: 'anycast.records["ns.lab."]',
    line: 9,
    message: /no record is at the DNS address 192\.0\.2\.53, and "ns\.lab\." \(the default name server\) is at 198\.51\.100\.53/,
  },
  {
    name: "SOA refresh below Zonemaster's 4 hours",
    text: insertAfter(8, '  soa: { refresh: 3600 }'),
    field: 'anycast.soa.refresh',
    line: 9,
    message: /SOA refresh out of range: expected 14400\.\.86400 seconds/,
  },
  {
    name: 'SOA retry not below refresh',
    text: insertAfter(8, '  soa: { refresh: 14400, retry: 14400 }'),
    field: 'anycast.soa.retry',
    line: 9,
    message: /SOA retry 14400 s is not below refresh 14400 s/,
  },
  {
    name: 'SOA RNAME that is not a name',
    text: insertAfter(8, '  soa: { rname: hostmaster@lab }'),
    field: 'anycast.soa.rname',
    line: 9,
    message: /expected a fully qualified name ending in a dot/,
  },

  // --- BFD and timers (FRR's bfdd: 10..60000 ms, multiplier 2..255; RFC 4271 hold)
  {
    name: 'BFD interval 5 ms',
    text: editLine(14, 'interval: 100', 'interval: 5'),
    field: 'bgp.bfd.interval',
    line: 14,
    column: 20,
    message: /BFD interval out of range: FRR accepts 10\.\.60000 ms/,
  },
  {
    name: 'BFD interval 70000 ms on a link',
    text: editLine(29, 'b: t-one }', 'b: t-one, bfd: { interval: 70000 } }'),
    field: 'links[0].bfd.interval',
    line: 29,
    message: /BFD interval out of range: FRR accepts 10\.\.60000 ms/,
  },
  {
    name: 'BFD multiplier 1',
    text: editLine(14, 'multiplier: 3', 'multiplier: 1'),
    field: 'bgp.bfd.multiplier',
    line: 14,
    message: /BFD multiplier out of range: FRR accepts 2\.\.255/,
  },
  {
    name: 'BFD neither a boolean nor a mapping',
    text: editLine(14, '{ interval: 100, multiplier: 3 }', 'fast'),
    field: 'bgp.bfd',
    line: 14,
    message: /expected true, false or \{ enabled, interval, multiplier \}/,
  },
  {
    name: 'hold 2 s',
    text: editLine(16, 'hold: 9', 'hold: 2'),
    field: 'bgp.hold',
    line: 16,
    message: /hold time 2 s is invalid: RFC 4271 allows 0 or at least 3 s/,
  },
  {
    name: 'keepalive equal to hold',
    text: editLine(15, 'keepalive: 3', 'keepalive: 9'),
    field: 'bgp.keepalive',
    line: 15,
    message: /keepalive 9 s must be below the hold time 9 s/,
  },
  {
    name: 'keepalive above hold on one link',
    text: editLine(30, 'b: t-two }', 'b: t-two, keepalive: 10, hold: 6 }'),
    field: 'links[1].keepalive',
    line: 30,
    message: /keepalive 10 s must be below the hold time 6 s/,
  },
  {
    name: 'a link hold below the inherited keepalive',
    text: editLine(30, 'b: t-two }', 'b: t-two, hold: 3 }'),
    field: 'links[1].hold',
    line: 30,
    message: /keepalive 3 s must be below the hold time 3 s/,
  },

  // --- addressing
  {
    name: 'explicit link subnet /30 is too small',
    text: editLine(29, 'b: t-one }', 'b: t-one, subnet: 10.77.100.0/30 }'),
    field: 'links[0].subnet',
    line: 29,
    message: /too small: a link needs a \/29 or larger/,
  },
  {
    name: 'two overlapping explicit link subnets',
    text: editLine(30, 'b: t-two }', 'b: t-two, subnet: 10.77.100.0/28 }', editLine(29, 'b: t-one }', 'b: t-one, subnet: 10.77.100.8/29 }')),
    field: 'links[1].subnet',
    line: 30,
    message: /subnet 10\.77\.100\.0\/28 overlaps 10\.77\.100\.8\/29 of links\[0\]\.subnet/,
  },
  {
    name: 'link subnet overlapping the LAN pool',
    text: editLine(29, 'b: t-one }', 'b: t-one, subnet: 10.78.0.0/29 }'),
    field: 'links[0].subnet',
    line: 29,
    message: /overlaps the lans pool 10\.78\.0\.0\/16/,
  },
  {
    name: 'lans pool overlapping the links pool',
    text: editLine(11, '10.78.0.0/16', '10.77.128.0/17'),
    field: 'addressing.lans',
    line: 11,
    column: 9,
    message: /lans pool 10\.77\.128\.0\/17 overlaps links pool 10\.77\.0\.0\/16/,
  },
  {
    name: 'links pool overlapping the anycast prefix',
    text: editLine(10, '10.77.0.0/16', '192.0.0.0/8'),
    field: 'addressing.links',
    line: 10,
    message: /overlaps the anycast prefix 192\.0\.2\.0\/24/,
  },

  // --- whole-lab checks
  {
    name: 'no PoP at all',
    text: editLine(18, 'role: pop', 'role: eyeball', deleteLines(29, 30)),
    field: 'routers',
    line: 23,
    message: /no PoP: at least one router must be in an AS with role "pop"/,
  },
  { name: 'a router with no link', text: replaceLine(30, ''), field: 'routers[1].name', line: 24, message: /router pop-b has no link: add one under "links"/ },
];

describe('parseLab rejects malformed lab files', () => {
  it('accepts the base lab these cases are made from', () => {
    expect(() => parseLab(BASE, BASE_FILE)).not.toThrow();
  });

  it('has a large table of cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  it.each(cases)('$name', ({ text, field, line, column, message }) => {
    const issues = issuesOf(text);
    const hit = issues.find((i) => i.field === field);
    expect(hit, `no issue for field "${field}"; got:\n${issues.map((i) => `${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n')}`).toBeDefined();
    expect(hit!.file).toBe(BASE_FILE);
    expect(hit!.line).toBe(line);
    if (column !== undefined) expect(hit!.column).toBe(column);
    expect(hit!.message).toMatch(message);
  });
});

describe('LabFileError', () => {
  const several = [
    [1, 'mini', 'Mini'],
    [4, '192.0.2.53', '198.51.100.53'],
    [14, 'interval: 100', 'interval: 5'],
    [27, 'asn: 64601', 'asn: 0'],
  ] as const;
  const text = several.reduce((t, [n, from, to]) => editLine(n, from, to, t), BASE);

  it('reports every problem of a file at once', () => {
    const issues = issuesOf(text);
    expect(issues.length).toBeGreaterThan(1);
    expect(issues.map((i) => [i.field, i.line])).toEqual(
      expect.arrayContaining([
        ['name', 1],
        ['bgp.bfd.interval', 14],
        ['routers[4].asn', 27],
      ]),
    );
  });

  it('reports resolve-time problems together, not just the first', () => {
    const issues = issuesOf(editLine(34, 'eyeball: eb', 'eyeball: t-one', editLine(4, '192.0.2.53', '198.51.100.53')));
    expect(issues.map((i) => i.field)).toEqual(['anycast.dns', 'clients[0].eyeball']);
  });

  it('reports a bad session default once, at bgp, not again on every link that inherits it', () => {
    const issues = issuesOf(editLine(15, 'keepalive: 3', 'keepalive: 9'));
    expect(issues.map((i) => i.field)).toEqual(['bgp.keepalive']);
  });

  it('reports a value of the wrong type as such, not as a missing field', () => {
    const issues = issuesOf(editLine(19, 'asn: 65010', 'asn: "65010"'));
    expect(issues).toEqual([expect.objectContaining({ field: 'ases[1].asn', line: 19, message: expect.stringMatching(/^expected an AS number/) })]);
  });

  it('formats each issue as file:line:col: field: message', () => {
    let err: unknown;
    try {
      parseLab(text, BASE_FILE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabFileError);
    const { message, issues } = err as LabFileError;
    expect(message.split('\n')).toHaveLength(issues.length);
    expect(message).toMatch(/^labs\/mini\.yaml:1:7: name: expected a lower-case name/m);
    for (const i of issues) expect(message).toContain(`${i.file}:${i.line}:${i.column}: ${i.field}: ${i.message}`);
    expect((err as LabFileError).code).toBe('LAB_FILE');
  });

  it('rejects a file that is not a mapping', () => {
    const issues = issuesOf('- just\n- a list\n');
    expect(issues).toEqual([{ file: BASE_FILE, line: 1, column: 1, field: '', message: expect.stringMatching(/expected a mapping/) }]);
  });
});
