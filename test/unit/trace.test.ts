// `lab trace`: traceroute's numeric output read into hops, every lab address
// named, the PoP behind the anycast hop, and the AS path. Fixtures are
// written by hand in the format of Debian's traceroute 2.1 (traceroute(8)),
// with the default lab's real addresses.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/lab/progress.js';
import { addressIndex, targetChoices } from '../../src/probe/address-index.js';
import {
  answeringPop,
  asPath,
  formatAsPath,
  renderTraceTable,
  resolveTraceTarget,
  splitTraceOutput,
  type TraceHop,
  traceReport,
  traceScript,
  traceSource,
} from '../../src/probe/trace.js';
import { traceFrom } from '../../src/probe/trace-run.js';
import { parseTraceroute } from '../../src/probe/traceroute-output.js';
import { containerName, labLabels } from '../../src/runtime/labels.js';
import { loadLabFile } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const HEADER = 'traceroute to 192.0.2.53 (192.0.2.53), 12 hops max, 60 byte packets\n';

describe('parseTraceroute', () => {
  it.each([
    [
      'one probe per hop',
      `${HEADER} 1  10.78.0.2  0.061 ms\n 2  10.77.0.59  0.045 ms\n 3  192.0.2.53  0.052 ms\n`,
      [
        { ttl: 1, probes: [{ address: '10.78.0.2', rttMs: 0.061 }] },
        { ttl: 2, probes: [{ address: '10.77.0.59', rttMs: 0.045 }] },
        { ttl: 3, probes: [{ address: '192.0.2.53', rttMs: 0.052 }] },
      ],
    ],
    [
      'three probes, one address',
      ' 1  10.78.1.2  0.070 ms  0.021 ms  0.019 ms\n',
      [
        {
          ttl: 1,
          probes: [
            { address: '10.78.1.2', rttMs: 0.07 },
            { address: '10.78.1.2', rttMs: 0.021 },
            { address: '10.78.1.2', rttMs: 0.019 },
          ],
        },
      ],
    ],
    ['a timeout', ' 2  *\n', [{ ttl: 2, probes: [{ address: null, rttMs: null }] }]],
    [
      'all three time out',
      ' 4  * * *\n',
      [
        {
          ttl: 4,
          probes: [
            { address: null, rttMs: null },
            { address: null, rttMs: null },
            { address: null, rttMs: null },
          ],
        },
      ],
    ],
    [
      'another address mid-line, then a timeout',
      ' 2  10.77.0.67  0.210 ms 10.77.0.83  0.532 ms *\n',
      [
        {
          ttl: 2,
          probes: [
            { address: '10.77.0.67', rttMs: 0.21 },
            { address: '10.77.0.83', rttMs: 0.532 },
            { address: null, rttMs: null },
          ],
        },
      ],
    ],
    [
      'a timeout before the answer',
      ' 3  * 192.0.2.53  1.002 ms\n',
      [
        {
          ttl: 3,
          probes: [
            { address: null, rttMs: null },
            { address: '192.0.2.53', rttMs: 1.002 },
          ],
        },
      ],
    ],
    [
      '!H on each probe',
      ' 3  10.77.0.59  3001.253 ms !H  3001.214 ms !H  *\n',
      [
        {
          ttl: 3,
          probes: [
            { address: '10.77.0.59', rttMs: 3001.253, annotation: '!H' },
            { address: '10.77.0.59', rttMs: 3001.214, annotation: '!H' },
            { address: null, rttMs: null },
          ],
        },
      ],
    ],
    [
      '!N and !F-1500',
      ' 2  10.78.0.2  0.512 ms !N\n 3  10.77.0.59  0.3 ms !F-1500\n',
      [
        { ttl: 2, probes: [{ address: '10.78.0.2', rttMs: 0.512, annotation: '!N' }] },
        { ttl: 3, probes: [{ address: '10.77.0.59', rttMs: 0.3, annotation: '!F-1500' }] },
      ],
    ],
    [
      'two-digit TTLs, no leading space',
      '10  10.77.0.3  1.1 ms\n11  *\n12  *\n',
      [
        { ttl: 10, probes: [{ address: '10.77.0.3', rttMs: 1.1 }] },
        { ttl: 11, probes: [{ address: null, rttMs: null }] },
        { ttl: 12, probes: [{ address: null, rttMs: null }] },
      ],
    ],
    ['names without -n', ' 1  eb-de (10.78.0.2)  0.061 ms\n', [{ ttl: 1, probes: [{ address: '10.78.0.2', rttMs: 0.061 }] }]],
    ['header and warnings only', `${HEADER}traceroute: Warning: multiple interfaces found\n`, []],
    ['nothing', '', []],
  ])('%s', (_name, stdout, want) => expect(parseTraceroute(stdout)).toEqual(want));
});

describe('addressIndex (default lab)', () => {
  const index = addressIndex(lab);
  it.each([
    ['10.77.0.2', { node: 'fra', role: 'pop', asn: 64500, where: 'fra--t-eu' }],
    ['10.77.0.59', { node: 't-eu', role: 'transit', asn: 65010, where: 'eb-de--t-eu' }],
    ['10.77.0.67', { node: 't-us', role: 'transit', asn: 65020, where: 'eb-us--t-us' }],
    ['10.78.0.2', { node: 'eb-de', role: 'eyeball', asn: 64601, where: 'lan-eb-de' }],
    ['10.78.3.10', { node: 'c-br', role: 'client', asn: 64604, where: 'lan-eb-br' }],
    ['10.255.0.6', { node: 't-us', role: 'transit', asn: 65020, where: 'router-id' }],
    ['192.0.2.53', { node: null, role: 'pop', asn: 64500, where: 'anycast' }],
    ['192.0.2.80', { node: null, role: 'pop', asn: 64500, where: 'anycast' }],
  ])('%s', (address, want) => expect(index.get(address)).toEqual(want));

  it("leaves out Docker's bridge addresses", () => {
    expect(index.has('10.78.0.1')).toBe(false);
    expect(index.has('10.77.0.1')).toBe(false);
  });

  it('names every link end, LAN router, client and router-id once', () => {
    expect(index.size).toBe(lab.links.length * 2 + lab.lans.length + lab.clients.length + lab.routers.length + 2);
  });
});

describe('resolveTraceTarget', () => {
  it.each([
    ['c-de', undefined, { address: '192.0.2.53', name: null, anycast: true }],
    ['c-de', '192.0.2.80', { address: '192.0.2.80', name: null, anycast: true }],
    // An eyeball routes only the anycast prefix and its own LAN: from c-de, eb-de and its link neighbour.
    ['c-de', 'eb-de', { address: '10.78.0.2', name: 'eb-de', anycast: false }],
    ['c-de', 't-eu', { address: '10.77.0.59', name: 't-eu', anycast: false }],
    ['fra', 'eb-jp', { address: '10.78.2.2', name: 'eb-jp', anycast: false }],
    ['iad', 'c-us', { address: '10.78.1.10', name: 'c-us', anycast: false }],
    // A router reaches its neighbours on their link address.
    ['iad', 't-us', { address: '10.77.0.11', name: 't-us', anycast: false }],
    ['gru', 'eb-br', { address: '10.77.0.35', name: 'eb-br', anycast: false }],
    ['c-de', '10.77.0.3', { address: '10.77.0.3', name: null, anycast: false }],
  ])('from %s to %s', (from, target, want) => expect(resolveTraceTarget(lab, from, target)).toEqual(want));

  it.each([
    ['c-de', '8.8.8.8', /8\.8\.8\.8 is not an address of lab default \(anycast 192\.0\.2\.0\/24, LANs 10\.78\.0\.0\/24.*trace stays inside the lab/],
    [
      'c-de',
      'c-us',
      /^c-us has no address a trace from c-de reaches: the first router on the way, eb-de, routes only 192\.0\.2\.0\/24, 10\.78\.0\.0\/24 beyond its own links .*; give an IPv4 address in the lab, or one of: eb-de \(10\.78\.0\.2\), t-eu \(10\.77\.0\.59\); default: the anycast DNS address 192\.0\.2\.53$/,
    ],
    ['iad', 'fra', /^fra has no address a trace from iad reaches: iad routes only 10\.78\.0\.0\/24, .*one of: c-br \(10\.78\.3\.10\), /],
    ['c-de', 'nowhere', /"nowhere" is neither an IPv4 address nor a node of lab default; give an IPv4 address in the lab, or one of: eb-de/],
    ['c-de', 'c-de', /c-de is the node tracing/],
    ['c-de', '10.78.0.300', /"10\.78\.0\.300" is neither/],
  ])('from %s to %s: USAGE', (from, target, message) => {
    expect(() => resolveTraceTarget(lab, from, target)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(message) }));
  });

  it('offers what the first router routes: the LANs it knows, its link neighbours', () => {
    expect(targetChoices(lab, 't-us').map((c) => c.name)).toEqual(['c-br', 'c-de', 'c-jp', 'c-us', 'eb-br', 'eb-de', 'eb-jp', 'eb-us', 'gru', 'iad', 't-eu']);
    expect(targetChoices(lab, 'c-de').map((c) => c.name)).toEqual(['eb-de', 't-eu']);
    expect(targetChoices(lab, 'eb-br').map((c) => c.name)).toEqual(['c-br', 'gru', 't-us']);
    expect(targetChoices(lab, 'fra').map((c) => c.name)).toEqual(['c-br', 'c-de', 'c-jp', 'c-us', 'eb-br', 'eb-de', 'eb-jp', 'eb-us', 't-eu']);
  });
});

describe('traceSource', () => {
  it.each([
    ['c-de', '192.0.2.53', null, undefined],
    ['eb-us', '192.0.2.53', '10.78.1.2', undefined],
    ['gru', '10.78.1.10', '192.0.2.53', /each reply goes to the replying node's own catchment PoP/],
    // Across its own link a PoP's link address is answered: t-us would send an anycast-sourced reply to iad.
    ['gru', '10.77.0.27', null, undefined],
    ['t-us', '10.78.0.10', null, /t-us has no address routed in the lab/],
  ])('%s to %s leaves from %s', (from, target, address, note) => {
    const got = traceSource(lab, from, target);
    expect(got.address).toBe(address);
    if (note) expect(got.note).toMatch(note);
    else expect(got.note).toBeUndefined();
  });
});

describe('traceScript', () => {
  it('from a PoP: the anycast source on traceroute and dig alike', () => {
    expect(traceScript({ address: '192.0.2.53', name: null, anycast: true }, '192.0.2.53', '192.0.2.53')[2]).toContain(
      'dig +tries=1 +time=2 -b 192.0.2.53 @192.0.2.53 hostname.bind CH TXT +short; echo @@trace; timeout 10 traceroute -I -n -q 1 -w 1 -m 12 -s 192.0.2.53 192.0.2.53;',
    );
  });

  it('asks CHAOS around the trace for an anycast target, bounded', () => {
    const [sh, c, script] = traceScript({ address: '192.0.2.53', name: null, anycast: true }, '192.0.2.53');
    expect([sh, c]).toEqual(['sh', '-c']);
    expect(script).toBe(
      'echo @@chaos-before; dig +tries=1 +time=2 @192.0.2.53 hostname.bind CH TXT +short; echo @@trace; ' +
        'timeout 10 traceroute -I -n -q 1 -w 1 -m 12 192.0.2.53; echo "@@trace-exit $?"; ' +
        'echo @@chaos-after; dig +tries=1 +time=2 @192.0.2.53 hostname.bind CH TXT +short',
    );
  });
  it('only traces another target', () => {
    expect(traceScript({ address: '10.78.1.10', name: 'c-us', anycast: false }, '192.0.2.53')[2]).toBe(
      'echo @@trace; timeout 10 traceroute -I -n -q 1 -w 1 -m 12 10.78.1.10; echo "@@trace-exit $?"',
    );
  });
});

const anycastRun = (trace: string, before = '"fra"', after = before, exit = 0) =>
  `@@chaos-before\n${before}\n@@trace\n${trace}@@trace-exit ${exit}\n@@chaos-after\n${after}\n`;

describe('splitTraceOutput', () => {
  it.each([
    ['both answers', anycastRun(`${HEADER} 1  10.78.0.2  0.1 ms\n`), { chaosBefore: 'fra', chaosAfter: 'fra', exitCode: 0 }],
    ['dig timed out before', anycastRun(' 1  *\n', ';; communications error to 192.0.2.53#53: timed out', '"iad"'), { chaosBefore: null, chaosAfter: 'iad' }],
    ['not installed', '@@trace\n@@trace-exit 127\n', { traceroute: '', exitCode: 127, chaosBefore: null, chaosAfter: null }],
    ['cut short', '@@trace\n 1  10.78.0.2  0.1 ms\n', { traceroute: ' 1  10.78.0.2  0.1 ms\n', exitCode: -1 }],
  ])('%s', (_name, stdout, want) => expect(splitTraceOutput(stdout)).toMatchObject(want));
});

describe('answeringPop', () => {
  it.each([
    ['fra', 'fra', { pop: 'fra' }],
    [null, 'iad', { pop: 'iad' }],
    ['gru', null, { pop: 'gru' }],
    [null, null, { pop: null, note: expect.stringMatching(/no PoP answered CHAOS/) }],
    ['iad', 'gru', { pop: null, note: 'the catchment moved during the trace: iad answered before it, gru after' }],
  ])('%s then %s', (before, after, want) => expect(answeringPop(before, after)).toEqual(want));
});

const hop = (ttl: number, node: string | null, asn: number | null, address: string | null = node ? `addr-${node}` : null): TraceHop => ({
  ttl,
  address,
  node,
  role: null,
  asn,
  rttMs: [],
  lost: 0,
  annotations: [],
});

describe('asPath', () => {
  it.each([
    [[hop(1, 'eb-de', 64601), hop(2, 't-eu', 65010), hop(3, 'fra', 64500)], 'AS64601 (eb-de) → AS65010 (t-eu) → AS64500 (fra)'],
    [[hop(1, 'eb-br', 64604), hop(2, 'gru', 64500)], 'AS64604 (eb-br) → AS64500 (gru)'],
    // The way back from a PoP: the client sits in its eyeball's AS.
    [[hop(1, 't-us', 65020), hop(2, 'eb-us', 64602), hop(3, 'c-us', 64602)], 'AS65020 (t-us) → AS64602 (eb-us, c-us)'],
    [[hop(1, 'eb-de', 64601), hop(2, null, null), hop(3, 'fra', 64500)], 'AS64601 (eb-de) → * → AS64500 (fra)'],
    [[hop(1, 'eb-de', 64601), hop(2, null, null), hop(3, null, null)], 'AS64601 (eb-de) → *'],
    [[hop(1, 'eb-de', 64601), hop(2, null, null, '203.0.113.9')], 'AS64601 (eb-de) → AS? (203.0.113.9)'],
    // An anycast hop whose PoP is unknown still has the operator's AS.
    [[hop(1, 't-us', 65020), hop(2, null, 64500, '192.0.2.53')], 'AS65020 (t-us) → AS64500 (192.0.2.53)'],
    [[], '(no hops)'],
  ])('#%#: %s', (hops, want) => expect(formatAsPath(asPath(hops as TraceHop[]))).toBe(want));
});

describe('traceReport', () => {
  const C_DE = `${HEADER} 1  10.78.0.2  0.061 ms\n 2  10.77.0.59  0.045 ms\n 3  192.0.2.53  0.052 ms\n`;
  const report = (stdout: string, from = 'c-de', target = resolveTraceTarget(lab, from)) => traceReport({ lab, from, target, exitCode: 0, stdout, stderr: '' });

  it('names every hop and the PoP behind the anycast address (c-de → fra)', () => {
    const r = report(anycastRun(C_DE));
    expect(r).toMatchObject({
      from: 'c-de',
      fromRole: 'client',
      fromAsn: 64601,
      target: '192.0.2.53',
      anycast: true,
      answeredBy: 'fra',
      reached: true,
      notes: [],
    });
    expect(r.hops.map((h) => [h.ttl, h.address, h.node, h.role, h.asn, h.rttMs])).toEqual([
      [1, '10.78.0.2', 'eb-de', 'eyeball', 64601, [0.061]],
      [2, '10.77.0.59', 't-eu', 'transit', 65010, [0.045]],
      [3, '192.0.2.53', 'fra', 'pop', 64500, [0.052]],
    ]);
    expect(r.hops[2].anycast).toBe(true);
    expect(formatAsPath(r.asPath)).toBe('AS64601 (eb-de) → AS65010 (t-eu) → AS64500 (fra)');
    expect(renderTraceTable(r)).toBe(
      [
        'trace from c-de (client, AS64601) to 192.0.2.53 (anycast): answered by fra',
        'hop  address     node           role     AS       rtt ms',
        '1    10.78.0.2   eb-de          eyeball  AS64601  0.061',
        '2    10.77.0.59  t-eu           transit  AS65010  0.045',
        '3    192.0.2.53  fra (anycast)  pop      AS64500  0.052',
        '',
        'AS path: AS64601 (eb-de) → AS65010 (t-eu) → AS64500 (fra)',
      ].join('\n'),
    );
  });

  it('c-us: t-us feeds iad and gru, so only CHAOS names the PoP', () => {
    const r = report(anycastRun(' 1  10.78.1.2  0.07 ms\n 2  10.77.0.67  0.09 ms\n 3  192.0.2.53  0.1 ms\n', '"gru"'), 'c-us');
    expect(formatAsPath(r.asPath)).toBe('AS64602 (eb-us) → AS65020 (t-us) → AS64500 (gru)');
  });

  it('the way back: from a PoP to a client', () => {
    const stdout =
      '@@trace\ntraceroute to 10.78.1.10 (10.78.1.10), 12 hops max, 60 byte packets\n 1  10.77.0.11  0.05 ms\n 2  10.77.0.66  0.06 ms\n 3  10.78.1.10  0.07 ms\n@@trace-exit 0\n';
    const r = report(stdout, 'iad', resolveTraceTarget(lab, 'iad', 'c-us'));
    expect(r).toMatchObject({ fromRole: 'pop', fromAsn: 64500, targetName: 'c-us', anycast: false, answeredBy: null, reached: true });
    expect(r.notes).toEqual([
      expect.stringMatching(/^probes leave iad from the anycast address 192\.0\.2\.53, so each reply goes to the replying node's own catchment PoP/),
    ]);
    expect(formatAsPath(r.asPath)).toBe('AS65020 (t-us) → AS64602 (eb-us, c-us)');
    expect(renderTraceTable(r).split('\n')[0]).toBe('trace from iad (pop, AS64500) to c-us 10.78.1.10');
  });

  it('says when the PoP moved, when the target was not reached, and what !H means', () => {
    const r = report(anycastRun(' 1  10.78.0.2  0.06 ms\n 2  10.77.0.59  3001.2 ms !H\n 3  *\n 4  *\n', '"fra"', '"iad"'));
    expect(r.answeredBy).toBeNull();
    expect(r.reached).toBe(false);
    expect(r.notes).toEqual([
      'the catchment moved during the trace: fra answered before it, iad after',
      'did not reach 192.0.2.53 within 12 hops',
      '!H: host unreachable',
    ]);
    expect(formatAsPath(r.asPath)).toBe('AS64601 (eb-de) → AS65010 (t-eu) → *');
    expect(renderTraceTable(r)).toMatch(/^2 {4}10\.77\.0\.59 +t-eu +transit +AS65010 +3001\.200 !H$/m);
    expect(renderTraceTable(r)).toMatch(/^3-4 {2}\* +- +- +- +no answer$/m);
  });

  it('shows a silent gap as it is, and one silent TTL at the end as itself', () => {
    const r = report(anycastRun(' 1  10.78.0.2  0.06 ms\n 2  *\n 3  192.0.2.53  0.1 ms\n'));
    expect(renderTraceTable(r)).toMatch(/^2 +\* +- +- +- +\*$/m);
    expect(formatAsPath(r.asPath)).toBe('AS64601 (eb-de) → * → AS64500 (fra)');
    expect(renderTraceTable(report(anycastRun(' 1  10.78.0.2  0.06 ms\n 2  *\n')))).toMatch(/^2 +\* +- +- +- +\*\n\nAS path/m);
  });

  it('flags an upstream that has no session with the PoP that answered', () => {
    const r = report(anycastRun(C_DE, '"nrt"'));
    expect(r.notes).toEqual(['the hop before the anycast address is t-eu, which has no session with nrt: the catchment may have moved mid-trace']);
  });

  it('one row per address when probes of one TTL were answered by two', () => {
    const r = report(
      anycastRun(' 1  10.78.1.2  0.07 ms  0.05 ms  0.04 ms\n 2  10.77.0.67  0.2 ms 10.77.0.83  0.5 ms *\n 3  192.0.2.53  0.1 ms  0.1 ms  0.1 ms\n', '"iad"'),
      'c-us',
    );
    expect(r.hops.map((h) => [h.ttl, h.address, h.lost])).toEqual([
      [1, '10.78.1.2', 0],
      [2, '10.77.0.67', 1],
      [2, '10.77.0.83', 0],
      [3, '192.0.2.53', 0],
    ]);
    expect(renderTraceTable(r).split('\n')[4]).toMatch(/^ {5}10\.77\.0\.83 +t-us/);
  });

  it.each([
    [
      'not installed (exit 127)',
      { exitCode: 0, stdout: '@@trace\n@@trace-exit 127\n', stderr: 'sh: 1: timeout: failed to run command ‘traceroute’: No such file or directory\n' },
      'NOT_FOUND',
      /traceroute is not installed in c-de.*npm run lab -- up/,
    ],
    [
      'no hops',
      { exitCode: 0, stdout: '@@trace\n@@trace-exit 2\n', stderr: 'Cannot handle "host" cmdline arg `x\' on position 1 (argc 7)\n' },
      'EXPERIMENT',
      /printed no hops: Cannot handle "host"/,
    ],
  ])('%s', (_name, out, code, message) => {
    expect(() => traceReport({ lab, from: 'c-de', target: resolveTraceTarget(lab, 'c-de'), ...out })).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });
});

describe('traceFrom', () => {
  const running = (nodes: string[]) => {
    const rt = new FakeRuntime({ onExec: () => ({ stdout: anycastRun(' 1  10.78.3.2  0.05 ms\n 2  192.0.2.53  0.08 ms\n', '"gru"') }) });
    for (const n of nodes)
      rt.addContainer({
        name: containerName('default', n),
        labels: labLabels('default', n, n.startsWith('c-') ? 'client' : 'pop', n.startsWith('c-') ? 'client' : 'router'),
      });
    return rt;
  };
  const progress = createProgress(() => {});

  it('runs one script in the client, through the runtime', async () => {
    const rt = running(['c-br']);
    const r = await traceFrom(rt, lab, 'c-br', undefined, progress);
    expect(formatAsPath(r.asPath)).toBe('AS64604 (eb-br) → AS64500 (gru)');
    expect(rt.execLog.map((e) => [e.container, e.cmd[0], e.cmd[1]])).toEqual([['al-default-c-br', 'sh', '-c']]);
  });

  it('checks the node and the target before anything runs', async () => {
    const rt = running(['c-br']);
    await expect(traceFrom(rt, lab, 'c-xx', undefined, progress)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/no node "c-xx" in lab default; nodes: c-de, c-us, c-jp, c-br, fra/),
    });
    await expect(traceFrom(rt, lab, 'c-br', '1.1.1.1', progress)).rejects.toMatchObject({ code: 'USAGE' });
    expect(rt.execLog).toEqual([]);
  });

  it('says when the node is not running', async () => {
    await expect(traceFrom(running(['c-de']), lab, 'c-br', undefined, progress)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no node "c-br"/),
    });
  });
});
