import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/experiment/failover.js';
import { analyzeClient } from '../../src/experiment/failover-clients.js';
import type { TrialResult } from '../../src/experiment/failover-result.js';
import type { ClientProbeRun } from '../../src/probe/run-probes.js';
import type { Outcome, Sample } from '../../src/probe/sample.js';
import { renderFailoverTable } from '../../src/report/failover-table.js';
import { writeTrialTimeline } from '../../src/report/failover-timeline.js';
import { niceTicks, renderTimeline } from '../../src/report/svg-timeline.js';

/** UDP probes every 10 ms from `from`, segment by segment. */
function udp(client: string, from: number, segments: { until: number; pop?: string; outcome?: Outcome }[], rtt = 3): Sample[] {
  const out: Sample[] = [];
  let t = from;
  let seq = 0;
  for (const seg of segments) {
    for (; t < seg.until; t += 10) {
      const outcome = seg.outcome ?? 'ok';
      out.push({ client, kind: 'udp-dns', seq: seq++, sentMs: t, outcome, ...(outcome === 'ok' ? { recvMs: t + rtt, pop: seg.pop } : {}) });
    }
  }
  return out;
}

// Monotonic times like a real run: the fault at 50 s of uptime.
const FAULT = 50_000;
const RESTORE = 54_000;
const clients = [
  {
    client: 'client-ber',
    samples: udp('client-ber', 48_000, [
      { until: 50_000, pop: 'fra' },
      { until: 50_290, outcome: 'timeout' },
      { until: 54_150, pop: 'ams' },
      { until: 54_180, outcome: 'timeout' },
      { until: 56_000, pop: 'fra' },
    ]),
  },
  {
    client: 'client-muc',
    samples: udp('client-muc', 48_000, [
      { until: 50_010, pop: 'fra' },
      { until: 50_060, outcome: 'refused' },
      { until: 50_330, outcome: 'timeout' },
      { until: 54_100, pop: 'lhr' },
      { until: 56_000, pop: 'fra' },
    ]),
  },
  { client: 'client-ams', samples: udp('client-ams', 48_000, [{ until: 56_000, pop: 'ams' }]) },
  {
    client: 'client-par',
    samples: udp('client-par', 48_000, [
      { until: 50_000, pop: 'fra' },
      { until: 56_000, outcome: 'unreachable' },
    ]),
  },
  // On lhr, not the failed PoP, yet it lost 12 probes in a row: collateral.
  {
    client: 'client-lon',
    samples: udp('client-lon', 48_000, [
      { until: 50_100, pop: 'lhr' },
      { until: 50_220, outcome: 'timeout' },
      { until: 56_000, pop: 'lhr' },
    ]),
  },
];
const input = {
  title: 'Trial 1: fra stops forwarding (BFD 100 ms × 3)',
  clients,
  faultMs: FAULT,
  restoreMs: RESTORE,
  startMs: 48_500,
  endMs: 55_500,
  failedPop: 'fra',
};

/** Tiny well-formedness check: every tag closes in order, attributes are quoted. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/<title>[^<]*<\/title>/g, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  // Nothing that looks like a tag but did not match the strict pattern above.
  const tags = body.match(/<[^>]*>/g) ?? [];
  for (const t of tags) expect(t).toMatch(/^<\/?[a-zA-Z][\w:-]*(?:\s+[\w:-]+="[^"<]*")*\s*\/?>$/);
}

describe('renderTimeline', () => {
  const svg = renderTimeline(input);

  it('is well-formed XML', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
  });

  it('has one row per client, the fault and restore lines and a legend with every PoP', () => {
    expect(svg.match(/<g class="row"/g)).toHaveLength(5);
    for (const c of clients) expect(svg).toContain(`data-client="${c.client}"`);
    expect(svg).toContain('data-marker="fault"');
    expect(svg).toContain('data-marker="restore"');
    for (const pop of ['ams', 'fra', 'lhr']) expect(svg).toContain(`answered by ${pop}`);
    expect(svg).toContain('timeout');
  });

  it('annotates the failover per row', () => {
    expect(svg).toContain('failover 300 ms');
    expect(svg).toContain('fra → ams, back after 183 ms');
    expect(svg).toContain('unaffected');
    expect(svg).toContain('never recovered');
  });

  it('shows a collateral client in its own colour', () => {
    expect(svg).toContain('data-client="client-lon" data-status="collateral"');
    expect(svg).toContain('data-client="client-ams" data-status="stayed-ok"');
    const row = svg.slice(svg.indexOf('data-client="client-lon"'), svg.indexOf('</g>', svg.indexOf('data-client="client-lon"')));
    expect(row).toContain('stroke="#C2185B"');
    expect(row).toContain('collateral: outage 130 ms');
    const calm = svg.slice(svg.indexOf('data-client="client-ams"'), svg.indexOf('</g>', svg.indexOf('data-client="client-ams"')));
    expect(calm).not.toContain('#C2185B');
  });

  // An [ipv4] run's picture, byte for byte: rows per family must not change it.
  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', (ctx) => {
    const path = join(dirname(fileURLToPath(import.meta.url)), '../golden/timeline/ipv4-trial.svg');
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, svg);
      ctx.skip(`UPDATE_GOLDEN=1: ${path} rewritten, not compared`);
    }
    expect(svg).toBe(readFileSync(path, 'utf8'));
  });

  it('escapes names', () => {
    const s = renderTimeline({ ...input, title: 'a <b> & "c"', clients: [{ client: 'x<y', samples: [] }] });
    assertWellFormed(s);
    expect(s).toContain('x&lt;y');
  });

  it('writes an example for humans to look at', () => {
    writeFileSync('/tmp/example-timeline.svg', svg);
    const results = clients.map((c) => analyzeClient(c.samples, { faultMs: FAULT, restoreMs: RESTORE, kind: 'udp-dns', failedPop: 'fra' }));
    const table = renderFailoverTable({ title: input.title, results, bound: { ms: 300, basis: 'BFD 100 ms × 3' } });
    writeFileSync('/tmp/example-table.txt', table);
    expect(table).toContain('client-ber');
    expect(table).toMatch(/p50 300 ms/);
  });
});

describe('a run that measured both families', () => {
  // c-de leaves fra at the fault over IPv4 (300 ms) and 200 ms later over IPv6 (500 ms); c-us stays on iad over both.
  const v6 = (samples: Sample[]): Sample[] => samples.map((x) => ({ ...x, family: 'ipv6' }));
  const de4 = udp('c-de', 48_000, [
    { until: 50_000, pop: 'fra' },
    { until: 50_290, outcome: 'timeout' },
    { until: 56_000, pop: 'ams' },
  ]);
  const de6 = v6(
    udp('c-de', 48_000, [
      { until: 50_000, pop: 'fra' },
      { until: 50_490, outcome: 'timeout' },
      { until: 56_000, pop: 'ams' },
    ]),
  );
  const us4 = udp('c-us', 48_000, [{ until: 56_000, pop: 'iad' }]);
  const us6 = v6(udp('c-us', 48_000, [{ until: 56_000, pop: 'iad' }]));
  const run = (client: string, samples: Sample[]): ClientProbeRun => ({ client, samples, invalid: [], stderr: '', exitCode: 0, lostSamples: 0 });
  const record = (families?: TrialRecord['families']): TrialRecord => ({
    outDir: '',
    lab: 'dual',
    fault: 'freeze',
    pop: 'fra',
    bfd: '100x3',
    probeIntervalMs: 10,
    preFaultMs: 1500,
    failedPop: 'fra',
    trial: { trial: 1, faultMs: FAULT, restoreMs: RESTORE, routers: [] } as unknown as TrialResult,
    runs: families ? [run('c-de', [...de4, ...de6]), run('c-us', [...us4, ...us6])] : [run('c-de', de4), run('c-us', us4)],
    ...(families ? { families } : {}),
  });
  const rowsOf = (svg: string) =>
    [...svg.matchAll(/<g class="row" data-client="([^"]+)"(?: data-family="([^"]+)")? data-status="([^"]+)"/g)].map((m) => m.slice(1));
  /** writeTrialTimeline into a fresh directory; the SVG text it wrote. */
  async function drawn(r: TrialRecord): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'timeline-'));
    try {
      return readFileSync(await writeTrialTimeline({ ...r, outDir: dir }), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('draws a row per client and family, each client’s two together, each judged on its own probes', async () => {
    const svg = await drawn(record(['ipv4', 'ipv6']));
    assertWellFormed(svg);
    expect(rowsOf(svg)).toEqual([
      ['c-de', 'ipv4', 'moved'],
      ['c-de', 'ipv6', 'moved'],
      ['c-us', 'ipv4', 'stayed-ok'],
      ['c-us', 'ipv6', 'stayed-ok'],
    ]);
    const row = (family: string) =>
      svg.slice(svg.indexOf(`data-client="c-de" data-family="${family}"`), svg.indexOf('</g>', svg.indexOf(`data-family="${family}"`)));
    expect(row('ipv4')).toContain('failover 300 ms');
    expect(row('ipv6')).toContain('failover 500 ms');
    expect(row('ipv6')).toContain('c-de <tspan font-weight="normal" fill="#555">ipv6</tspan>');
    expect(svg).toContain('one row per client and family');
  });

  it('draws one row per client, as before, when the run measured one family', async () => {
    const svg = await drawn(record());
    expect(rowsOf(svg)).toEqual([
      ['c-de', undefined, 'moved'],
      ['c-us', undefined, 'stayed-ok'],
    ]);
    expect(svg).not.toMatch(/data-family|tspan|row per client and family/);
  });
});

describe('niceTicks', () => {
  it.each([
    [-1500, 5500, 10, 's', '−1', '+5'],
    [-200, 800, 10, 'ms', '−200', '+800'],
  ])('%d..%d', (from, to, n, unit, first, last) => {
    const t = niceTicks(from, to, n);
    expect(t.unit).toBe(unit);
    expect(t.format(t.values[0])).toBe(first);
    expect(t.format(t.values[t.values.length - 1])).toBe(last);
    expect(t.values).toContain(0);
  });
});
