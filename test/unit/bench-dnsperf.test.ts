import { describe, expect, it } from 'vitest';
import { benchQueryFile, renderNsdConf, renderNsdZone } from '../../src/bench/nsd-config.js';
import { latencyColumn, parseDnsperfSummary, percentiles, verboseLatencies } from '../../src/probe/dnsperf.js';

// dnsperf 2.10.0, as printed in the lab.
const SUMMARY = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 192.0.2.53 -d /tmp/q.txt -l 1 -Q 50
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         50
  Queries completed:    50 (100.00%)
  Queries lost:         0 (0.00%)

  Response codes:       NOERROR 34 (68.00%), NXDOMAIN 16 (32.00%)
  Average packet size:  request 27, response 64
  Run time (s):         1.000483
  Queries per second:   49.975862

  Average Latency (s):  0.000362 (min 0.000181, max 0.003287)
  Latency StdDev (s):   0.000431
`;

describe('dnsperf output', () => {
  it('parses the summary', () => {
    const s = parseDnsperfSummary(SUMMARY);
    expect(s).toMatchObject({ sent: 50, completed: 50, lost: 0, qps: 49.975862, runS: 1.000483, rcodes: { NOERROR: 34, NXDOMAIN: 16 } });
    expect(s.latency.avgMs).toBeCloseTo(0.362);
    expect(s.latency.maxMs).toBeCloseTo(3.287);
    expect(s.latency.stddevMs).toBeCloseTo(0.431);
  });

  it('names what is missing', () => {
    expect(() => parseDnsperfSummary('dnsperf: error: could not open /tmp/q.txt')).toThrow(/Average Latency/);
  });

  it('reads latencies from -v lines and the awk column', () => {
    expect(verboseLatencies('> NOERROR anycast.lab A 0.000404\n> NXDOMAIN nope.lab A 0.000349\n[Timeout] Query timed out: msg id 3\n')).toEqual([
      0.000404, 0.000349,
    ]);
    expect(latencyColumn('0.000404\n0.000349\n\n')).toEqual([0.000404, 0.000349]);
  });

  it.each([
    [[], null],
    [[0.001], { p50Ms: 1, p90Ms: 1, p99Ms: 1, p999Ms: 1 }],
    [Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e6), { p50Ms: 0.5, p90Ms: 0.9, p99Ms: 0.99, p999Ms: 0.999 }],
  ])('nearest-rank percentiles #%#', (lat, want) => expect(percentiles(lat)).toEqual(want));
});

describe('NSD bench config', () => {
  const o = {
    address: '192.0.2.55',
    identity: 'fra',
    dir: '/run/anycast-lab/bench',
    zone: 'lab.',
    records: { 'anycast.lab.': '192.0.2.80', 'ns.lab.': '192.0.2.53' },
    rrl: true,
  };

  it('sets identity, NSID and rrl only when supported', () => {
    const conf = renderNsdConf(o);
    expect(conf).toContain('ip-address: 192.0.2.55');
    expect(conf).toContain('identity: "fra"');
    expect(conf).toContain('nsid: "ascii_fra"');
    expect(conf).toContain('rrl-ratelimit: 0');
    expect(renderNsdConf({ ...o, rrl: false })).not.toContain('rrl-ratelimit');
  });

  it('serves the same A records, and the query file asks them', () => {
    const zone = renderNsdZone(o);
    expect(zone).toContain('anycast.lab. IN A 192.0.2.80');
    expect(zone).toMatch(/^@ IN SOA ns\.lab\. /m);
    expect(benchQueryFile('lab.', o.records)).toBe('anycast.lab A\nns.lab A\nwhoami.lab TXT\n');
  });
});
