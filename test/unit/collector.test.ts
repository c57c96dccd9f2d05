// The route collector, without containers: the lab file's `collector:`
// section, what it adds to the transits' FRR configs and the plan, GoBGP's
// config, the recorder's parsing of `gobgp monitor` lines, and the views
// (`lab collector`, `lg collector`, the failover report's third clock).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMonitorLine } from '../../src/contract/collector-update.js';
import { LabFileError } from '../../src/errors.js';
import { collectorEvents, collectorPaths, collectorTimes, crossCheck, parseSince, renderCollectorRib, renderCollectorTable } from '../../src/lab/collector.js';
import { planLab } from '../../src/lab/plan.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { parseLab } from '../../src/topology/load.js';
import type { Collector } from '../../src/topology/model.js';
import { renderGobgpConfig } from '../../src/topology/roles/collector.js';
import { dualLab } from '../fixtures/render/dual-lab.js';

const FILE = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
const TEXT = readFileSync(FILE, 'utf8');
const lab = parseLab(TEXT, FILE);
const collector = lab.collector as Collector;
const withCollector = (value: string) => TEXT.replace(/^collector: true$/m, `collector: ${value}`);
const issuesOf = (text: string) => {
  try {
    parseLab(text, FILE);
  } catch (e) {
    if (e instanceof LabFileError) return e.issues.map((i) => `${i.line}:${i.field}: ${i.message}`);
    throw e;
  }
  return [];
};

describe('collector in the lab file', () => {
  it('the default lab has one, peering with every transit on 10.79.0.0/24 and its /64', () => {
    expect(collector).toEqual({
      name: 'collector',
      asn: 64999,
      subnet: '10.79.0.0/24',
      gateway: '10.79.0.1',
      address: '10.79.0.2',
      peers: [
        { router: 't-eu', asn: 65010, address: '10.79.0.10' },
        { router: 't-us', asn: 65020, address: '10.79.0.11' },
        { router: 't-ap', asn: 65030, address: '10.79.0.12' },
      ],
      timers: { keepalive: 3, hold: 9 },
      // Dual-stack: a /64 from lans6, the collector ::2, the transits ::10… in the same order.
      ipv6: {
        subnet: 'fd00:78:0:5d18::/64',
        gateway: 'fd00:78:0:5d18::1',
        address: 'fd00:78:0:5d18::2',
        peers: [
          { router: 't-eu', address: 'fd00:78:0:5d18::10' },
          { router: 't-us', address: 'fd00:78:0:5d18::11' },
          { router: 't-ap', address: 'fd00:78:0:5d18::12' },
        ],
      },
    });
    expect(parseLab(withCollector('false'), FILE).collector).toBeUndefined();
    expect(parseLab(withCollector('{ asn: 65500, subnet: 10.80.0.0/28 }'), FILE).collector).toMatchObject({ asn: 65500, address: '10.80.0.2' });
  });

  it('names the field and line of a bad collector: an AS already used, a subnet that overlaps, one too small, a typo', () => {
    const line = TEXT.split('\n').indexOf('collector: true') + 1;
    expect(issuesOf(withCollector('{ asn: 65010 }'))).toEqual([
      `${line}:collector.asn: AS65010 is t-eu's AS: the collector needs an AS of its own (set collector.asn)`,
    ]);
    expect(issuesOf(withCollector('{ subnet: 10.77.5.0/24 }'))).toEqual([
      `${line}:collector.subnet: collector subnet 10.77.5.0/24 overlaps the links pool 10.77.0.0/16`,
    ]);
    expect(issuesOf(withCollector('{ subnet: 10.80.0.0/29 }'))[0]).toMatch(/collector.subnet: collector subnet 10.80.0.0\/29 is too small for 3 transits/);
    expect(issuesOf(withCollector('{ asm: 1 }'))[0]).toMatch(/collector/);
  });
});

describe('collector in the configs and the plan', () => {
  it('each transit sends the collector everything and takes nothing back; PoPs and eyeballs do not peer with it', () => {
    const tEu = renderRouter(lab, 't-eu')['frr.conf'];
    for (const line of [
      'route-map COLLECTOR-IN deny 10',
      'route-map COLLECTOR-OUT permit 10',
      ' neighbor 10.79.0.2 remote-as 64999',
      ' neighbor 10.79.0.2 timers 3 9',
      '  neighbor 10.79.0.2 route-map COLLECTOR-IN in',
      '  neighbor 10.79.0.2 route-map COLLECTOR-OUT out',
    ])
      expect(tEu.split('\n')).toContain(line);
    expect(tEu).not.toMatch(/neighbor 10\.79\.0\.2 bfd/);
    for (const r of ['fra', 'eb-de']) expect(renderRouter(lab, r)['frr.conf']).not.toContain('10.79.0.2');
  });

  it('GoBGP: passive towards every transit, imports everything, exports nothing', () => {
    const toml = renderGobgpConfig(lab);
    expect(toml).toContain('  as = 64999\n  router-id = "10.79.0.2"');
    expect(toml).toContain('  default-export-policy = "reject-route"');
    // One session per transit and family (the default lab is dual-stack).
    expect(toml.match(/passive-mode = true/g)).toHaveLength(6);
    expect(toml).toContain('    neighbor-address = "10.79.0.11"\n    peer-as = 65020\n    description = "t-us"');
  });

  it('plans the collector on the router image with no capabilities, and every transit on its LAN', () => {
    const plan = planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' });
    const c = plan.nodes.find((n) => n.node === 'collector');
    expect(c?.spec).toMatchObject({
      name: 'al-default-collector',
      image: 'r:1',
      cmd: ['/bin/bash', '/opt/anycast-lab/collector-init.sh'],
      binds: ['/cfg/default/collector:/etc/gobgp:ro', '/agent:/opt/anycast-lab:ro'],
      networks: [{ network: 'al-default-collector-lan', ipv4: '10.79.0.2', ipv6: 'fd00:78:0:5d18::2' }],
    });
    expect(c?.spec.capAdd).toBeUndefined();
    expect(c?.spec.labels['anycast-lab.kind']).toBe('collector');
    const tUs = plan.nodes.find((n) => n.node === 't-us');
    expect(tUs?.spec.networks).toContainEqual({ network: 'al-default-collector-lan', ipv4: '10.79.0.11', ipv6: 'fd00:78:0:5d18::11' });
  });
});

describe('the recorder and the views', () => {
  // As `gobgp monitor adj-in -j` (GoBGP 3.10) printed it in the lab.
  const announce =
    '[{"nlri":{"prefix":"192.0.2.0/24"},"age":1796082646,"best":false,"attrs":[{"type":1,"value":0},{"type":2,"as_paths":[{"segment_type":2,"num":2,"asns":[65010,64500]}]},{"type":3,"nexthop":"10.79.0.10"}],"stale":false,"source-id":"10.255.0.5","neighbor-ip":"10.79.0.10"}]';
  const withdraw = '[{"nlri":{"prefix":"192.0.2.0/24"},"age":1796082650,"withdrawal":true,"attrs":[],"source-id":"10.255.0.5","neighbor-ip":"10.79.0.10"}]';
  const stamp = (monoMs: number) => ({ wallMs: 1_796_082_646_000 + monoMs, monoMs });

  it('parses an announcement and a withdrawal; anything else gives nothing', () => {
    expect(parseMonitorLine(announce, stamp(10))).toEqual([
      { ...stamp(10), peer: '10.79.0.10', prefix: '192.0.2.0/24', withdraw: false, asPath: [65010, 64500], nexthop: '10.79.0.10' },
    ]);
    expect(parseMonitorLine(withdraw, stamp(20))).toEqual([{ ...stamp(20), peer: '10.79.0.10', prefix: '192.0.2.0/24', withdraw: true, asPath: [] }]);
    expect(parseMonitorLine('rpc error: connection refused', stamp(0))).toEqual([]);
    expect(parseMonitorLine('{"nlri":{}}', stamp(0))).toEqual([]);
  });

  const log = [
    ...parseMonitorLine(announce, stamp(100)),
    ...parseMonitorLine(announce.replace('[65010,64500]', '[65010,65020,64500]'), stamp(1400)),
    ...parseMonitorLine(announce.replace(/10\.79\.0\.10/g, '10.79.0.11').replace('[65010,64500]', '[65020,64500]'), stamp(1500)),
    ...parseMonitorLine(withdraw, stamp(5200)),
  ]
    .map((u) => JSON.stringify(u))
    .join('\n');
  const events = collectorEvents(collector, `${log}\n{"cut by a crash`);

  it('names each update by its transit and skips a torn line', () => {
    expect(events.map((e) => [e.from, e.withdraw, e.asPath.join(' ')])).toEqual([
      ['t-eu', false, '65010 64500'],
      ['t-eu', false, '65010 65020 64500'],
      ['t-us', false, '65020 64500'],
      ['t-eu', true, ''],
    ]);
    const table = renderCollectorTable(events, { nowWallMs: stamp(6200).wallMs });
    expect(table.split('\n')[0]).toMatch(/^time \(UTC\)\s+ago\s+from\s+update\s+prefix\s+AS path$/);
    expect(table).toMatch(/6\.1s\s+t-eu\s+announce\s+192\.0\.2\.0\/24\s+65010 64500/);
    expect(table).toMatch(/1\.0s\s+t-eu\s+withdraw\s+192\.0\.2\.0\/24\s+\(withdrawn\)/);
  });

  it('times each transit’s first update after the fault and after the restore (the failover report’s third clock)', () => {
    expect(collectorTimes(events, '192.0.2.0/24', 1000, 5000)).toEqual({
      fault: [
        { from: 't-eu', update: 'announce', asPath: [65010, 65020, 64500], afterFaultMs: 400 },
        { from: 't-us', update: 'announce', asPath: [65020, 64500], afterFaultMs: 500 },
      ],
      restore: [{ from: 't-eu', update: 'withdraw', asPath: [], afterFaultMs: 4200 }],
    });
    expect(collectorTimes(events, '10.78.0.0/24', 1000, null)).toEqual({ fault: [], restore: [] });
  });

  it('reads GoBGP’s RIB as every transit’s view, best first, and cross-checks it with FRR', () => {
    const rib = JSON.stringify({
      '192.0.2.0/24': [
        { nlri: { prefix: '192.0.2.0/24' }, age: 1, best: false, attrs: [{ type: 2, as_paths: [{ asns: [65020, 64500] }] }], 'neighbor-ip': '10.79.0.11' },
        { nlri: { prefix: '192.0.2.0/24' }, age: 1, best: true, attrs: [{ type: 2, as_paths: [{ asns: [65010, 64500] }] }], 'neighbor-ip': '10.79.0.10' },
      ],
    });
    const paths = collectorPaths(collector, rib);
    expect(paths.map((p) => [p.best, p.from, p.asPath])).toEqual([
      [true, 't-eu', [65010, 64500]],
      [false, 't-us', [65020, 64500]],
    ]);
    const checks = crossCheck(
      paths,
      new Map([
        ['t-eu', { asn: 65010, asPath: '64500' }],
        ['t-us', { asn: 65020, asPath: '65010 64500' }],
        ['t-ap', null],
      ]),
    );
    expect(checks).toEqual([
      { transit: 't-eu', frr: '65010 64500', collector: '65010 64500', agree: true },
      { transit: 't-us', frr: '65020 65010 64500', collector: '65020 64500', agree: false },
      { transit: 't-ap', frr: null, collector: null, agree: true },
    ]);
    const text = renderCollectorRib(paths, collector, checks);
    expect(text).toMatch(/\*>\s+192\.0\.2\.0\/24\s+t-eu\s+65010 64500\s+agrees/);
    expect(text).toMatch(/t-us\s+65020 64500\s+DISAGREES: FRR's best 65020 65010 64500/);
    expect(text.split('\n').at(-1)).toBe('finding: GoBGP and FRR disagree on t-us');
  });

  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
  ])('--since %s is %d ms', (v, ms) => expect(parseSince(v)).toBe(ms));
  it('--since rejects what it cannot read, naming the form', () =>
    expect(() => parseSince('30')).toThrow('--since expects a duration like 30s, 2m, 500ms or 1h (got "30")'));
});

describe('the collector of a dual-stack lab', () => {
  it('names a transit by its IPv6 session address too, and reads the /48 from a GoBGP IPv6 path', () => {
    const collector = dualLab.collector!;
    const line = JSON.stringify([
      {
        nlri: { prefix: '2001:db8::/48' },
        attrs: [{ type: 1 }, { type: 2, as_paths: [{ type: 2, asns: [65101, 65001] }] }, { type: 14, nexthop: 'fd00:79::11' }],
        'neighbor-ip': 'fd00:79::11',
      },
    ]);
    const updates = parseMonitorLine(line, { wallMs: 1, monoMs: 2 });
    const events = collectorEvents(collector, updates.map((u) => JSON.stringify(u)).join('\n'));
    expect(events).toMatchObject([{ from: 'transit-a', prefix: '2001:db8::/48', asPath: [65101, 65001], withdraw: false }]);
  });
});
