import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAB } from '../../src/cli/context.js';
import { LabError } from '../../src/errors.js';
import { type DrainControl, type FloodResult, type FloodTick, runFlood } from '../../src/experiment/flood.js';
import { FLOOD_CAPS, floodQueryFile, floodSenders, planFlood, senderScript } from '../../src/experiment/flood-plan.js';
import { intervals, loadInterval, type PopSample, parsePopSample, summarizeLoad } from '../../src/experiment/pop-load.js';
import { createProgress } from '../../src/lab/progress.js';
import { parseDnsperfSummary } from '../../src/probe/dnsperf.js';
import { floodTickLine, renderFloodReport } from '../../src/report/flood-table.js';
import type { ExecResult } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(DEFAULT_LAB);
const DNSPERF = readFileSync(join(__dirname, '..', 'fixtures', 'dnsperf', 'flood-lossy.txt'), 'utf8');

/** The default lab with a second client behind eb-de. */
const twoBehindDe: Lab = {
  ...lab,
  clients: [...lab.clients, { ...lab.clients.find((c) => c.name === 'c-de')!, name: 'c-de2', address: '10.78.0.20' }],
};

const usage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('USAGE');
    return (e as Error).message;
  }
  throw new Error('expected a USAGE error');
};

describe('flood senders', () => {
  it.each([
    ['eyeballs', lab, ['c-br', 'c-de', 'c-jp', 'c-us']],
    ['all', lab, ['c-br', 'c-de', 'c-jp', 'c-us']],
    ['eyeballs', twoBehindDe, ['c-br', 'c-de', 'c-jp', 'c-us']],
    ['all', twoBehindDe, ['c-br', 'c-de', 'c-de2', 'c-jp', 'c-us']],
    ['c-jp,c-de', lab, ['c-de', 'c-jp']],
    ['c-de, c-de', lab, ['c-de']],
  ] as const)('--from %s', (from, l, want) => expect(floodSenders(l, from)).toEqual(want));

  it.each([
    ['c-xx', /unknown client c-xx.*expected eyeballs, all, or client names from c-br, c-de, c-jp, c-us/],
    ['c-de,', /empty name/],
    ['eyeball', /unknown client eyeball/],
  ])('rejects --from %s', (from, re) => expect(usage(() => floodSenders(lab, from))).toMatch(re));
});

describe('flood plan and caps', () => {
  const base = { from: 'eyeballs', qps: '200', seconds: '10' };

  it('takes valid arguments', () => {
    expect(planFlood(lab, base)).toEqual({ senders: ['c-br', 'c-de', 'c-jp', 'c-us'], qps: 200, seconds: 10 });
    expect(planFlood(lab, { ...base, drain: 'fra' })).toMatchObject({ drain: { pop: 'fra', atS: 5 } });
    expect(planFlood(lab, { ...base, drain: 'iad', drainAt: '3' })).toMatchObject({ drain: { pop: 'iad', atS: 3 } });
    // 4 senders x 500 = the cap exactly
    expect(planFlood(lab, { ...base, qps: '500' }).qps).toBe(500);
    expect(planFlood(lab, { ...base, from: 'c-de', qps: String(FLOOD_CAPS.totalQps), seconds: String(FLOOD_CAPS.seconds) })).toMatchObject({
      qps: 2000,
      seconds: 120,
    });
  });

  it.each([
    [
      { qps: '501' },
      /`--qps` to be an integer from 1 to 500 \(the cap is 2000 q\/s over all senders, so a 2-core machine stays responsive; 4 senders: c-br, c-de, c-jp, c-us\), got "501"/,
    ],
    [{ qps: '0' }, /`--qps`.*got "0"/],
    [{ qps: '1e2' }, /`--qps`.*got "1e2"/],
    [{ qps: '-5' }, /`--qps`.*got "-5"/],
    [{ seconds: '121' }, /`--seconds` to be an integer from 1 to 120.*got "121"/],
    [{ seconds: 'ten' }, /`--seconds`.*got "ten"/],
    [{ drain: 't-eu' }, /"t-eu" is not a PoP of lab default; expected one of fra, gru, iad, nrt/],
    [{ drain: 'fra', drainAt: '10' }, /`--drain-at` to be an integer from 1 to 9/],
    [{ drain: 'fra', drainAt: '0' }, /`--drain-at`/],
    [{ drainAt: '3' }, /`--drain-at` needs `--drain <pop>`/],
    [{ drain: 'fra', seconds: '1' }, /at least 2/],
  ])('rejects %j', (over, re) => expect(usage(() => planFlood(lab, { ...base, ...over }))).toMatch(re));

  it('builds a bounded sender', () => {
    const s = senderScript('192.0.2.53', 'anycast-lab-flood-ab12', 200, 10);
    expect(s).toContain('timeout -k 2 15 dnsperf -s 192.0.2.53 -d /tmp/anycast-lab-flood-ab12.txt -l 10 -Q 200');
    expect(s).toMatch(/rm -f \/tmp\/anycast-lab-flood-ab12.txt; exit \$rc$/);
    expect(floodQueryFile(lab.anycast.records)).toBe('anycast.lab A\nwww.lab A\nns.lab A\n');
  });
});

const stats = (pid: number, writtenAt: number, udp: number, tcp = 0) =>
  JSON.stringify({ pop: 'fra', pid, startedAt: 0, writtenAt, udp: { queries: udp, responses: {} }, tcp: { queries: tcp, responses: {} } });

describe('PoP load samples', () => {
  it.each([
    [
      'cgroup v1',
      `${stats(23, 1000, 10, 2)}\n@@cpu\n22206095773\n@@now\n1796053749835000000\n`,
      { counters: { pid: 23, writtenAt: 1000, queries: 12 }, cpuS: 22.206095773 },
    ],
    ['cgroup v2', `${stats(23, 1000, 10)}\n@@cpu\nusage_usec 5500000\n@@now\n1796053749835000000\n`, { counters: { queries: 10 }, cpuS: 5.5 }],
    ['no stats file', '\n@@cpu\n100\n@@now\n1796053749835000000\n', { cpuS: 1e-7 }],
    ['no cgroup', `${stats(23, 1000, 10)}\n@@cpu\n@@now\n1796053749835000000\n`, { counters: { queries: 10 } }],
  ])('parses %s', (_name, out, want) => {
    const s = parsePopSample(out);
    expect(s).toMatchObject({ atMs: 1796053749835, ...want });
    if (!('cpuS' in want)) expect(s?.cpuS).toBeUndefined();
    if (!('counters' in want)) expect(s?.counters).toBeUndefined();
  });

  it('gives nothing when the exec failed', () => expect(parsePopSample('Error: No such container')).toBeUndefined());

  const s = (atMs: number, pid: number, writtenAt: number, queries: number, cpuS?: number): PopSample => ({
    atMs,
    counters: { pid, writtenAt, queries },
    cpuS,
  });
  it.each([
    ['steady', s(0, 1, 0, 100, 1), s(1000, 1, 1000, 600, 1.25), { queries: 500, qps: 500, cpuS: 0.25, cpuPct: 25 }],
    ['stats written 500 ms apart', s(0, 1, 0, 100), s(1000, 1, 500, 300), { queries: 200, qps: 400, cpuPct: null }],
    ['stats not rewritten', s(0, 1, 1000, 100, 1), s(1000, 1, 1000, 100, 1.1), { queries: 0, qps: null }],
    ['responder restarted (new pid)', s(0, 1, 0, 5000), s(1000, 2, 1000, 40), { queries: 40, qps: 40 }],
    ['counter went down', s(0, 1, 0, 5000), s(1000, 1, 1000, 30), { queries: 30, qps: 30 }],
    ['container recreated (CPU went down)', s(0, 1, 0, 0, 50), s(2000, 1, 2000, 0, 0.5), { cpuS: 0.5, cpuPct: 25 }],
    ['no counters before', { atMs: 0 }, s(1000, 1, 1000, 70), { queries: 0, qps: null }],
  ])('interval: %s', (_n, a, b, want) => {
    const iv = loadInterval(a, b);
    for (const [k, v] of Object.entries(want)) {
      if (v === null) expect(iv[k as keyof typeof iv]).toBeNull();
      else expect(iv[k as keyof typeof iv]).toBeCloseTo(v as number);
    }
  });

  it('summarizes per PoP: totals, mean over the flood, peak, CPU, share', () => {
    const fra = [s(0, 1, 0, 0, 0), s(1000, 1, 1000, 400, 0.2), s(2000, 1, 2000, 800, 0.4), s(3000, 2, 3000, 200, 0.5)];
    const iad = [s(0, 1, 0, 0, 0), s(1000, 1, 1000, 100, 0.05), s(2000, 1, 2000, 200, 0.1), s(3000, 1, 3000, 200, 0.1)];
    const nrt: PopSample[] = [{ atMs: 0 }, { atMs: 1000 }];
    expect(intervals(fra).map((i) => i.queries)).toEqual([400, 400, 200]);
    expect(summarizeLoad({ iad, fra, nrt }, 2)).toEqual([
      { pop: 'fra', queries: 1000, meanQps: 500, peakQps: 400, meanCpuPct: 16.7, share: 0.833 },
      { pop: 'iad', queries: 200, meanQps: 100, peakQps: 100, meanCpuPct: 3.3, share: 0.167 },
      { pop: 'nrt', queries: 0, meanQps: 0, peakQps: 0, meanCpuPct: null, share: 0 },
    ]);
    expect(summarizeLoad({ nrt }, 2)[0].share).toBe(0);
  });
});

describe('flood report', () => {
  it('prints the live line', () => {
    expect(
      floodTickLine({
        t: 3,
        pops: [
          { pop: 'fra', qps: 412, cpuPct: 23 },
          { pop: 'iad', qps: 0, cpuPct: 2 },
          { pop: 'nrt', qps: null, cpuPct: null },
        ],
      }),
    ).toBe('t=3s fra 412 q/s 23% | iad 0 q/s 2% | nrt - -');
  });

  it('renders the tables', () => {
    const r: FloodResult = {
      lab: 'default',
      dnsAddress: '192.0.2.53',
      senders: ['c-de', 'c-jp'],
      qpsPerSender: 200,
      seconds: 10,
      caps: FLOOD_CAPS,
      healthIntervalMs: 200,
      drain: { pop: 'fra', atS: 5, drainedAtS: 5.1, undrainedAtS: 11.4 },
      pops: [
        { pop: 'fra', queries: 2050, meanQps: 205, peakQps: 212, meanCpuPct: 18.2, share: 0.5, expectedFrom: ['c-de'] },
        { pop: 'nrt', queries: 2050, meanQps: 205, peakQps: 209, meanCpuPct: null, share: 0.5, expectedFrom: [] },
      ],
      timeline: [],
      results: [
        { client: 'c-de', eyeball: 'eb-de', summary: parseDnsperfSummary(DNSPERF) },
        { client: 'c-jp', eyeball: 'eb-jp', error: 'dnsperf exited 1: no route' },
      ],
    };
    expect(renderFloodReport(r)).toBe(
      [
        'lab default: c-de, c-jp → 192.0.2.53, 200 q/s each for 10 s (400 q/s in all; cap 2000 q/s, 120 s)',
        'drained fra at t=5.1s (asked for 5s), announced again at t=11.4s',
        '',
        'measured at the PoPs (responder counters; CPU = the container, % of one core):',
        'pop  queries  mean q/s  peak q/s  mean CPU %   share  lab file expects',
        'fra    2,050     205.0       212        18.2  50.0 %  c-de',
        'nrt    2,050     205.0       209           -  50.0 %  -',
        '',
        'sent from the clients (dnsperf):',
        'client  eyeball   sent  completed  lost  avg ms  q/s',
        'c-de    eb-de    2,000      1,994     6    0.91  199.4',
        'c-jp    eb-jp        -          -     -       -  FAILED: dnsperf exited 1: no route',
        '',
        '"lab file expects": the senders whose expect.pop is that PoP (their catchment while every PoP announces).',
        'Each PoP also counts its own health check, one query every 200 ms (5 q/s at rest).',
      ].join('\n'),
    );
  });
});

/** A lab where each sender's queries land on its expect.pop, 200 per second while it sends. */
function floodRig(o: { seconds: number; senders: string[]; failSender?: string }) {
  // Wall and monotonic ms alike; starts at a real date so the samples' clock line parses.
  const T0 = 1_796_000_000_000;
  let now = T0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const advance = (ms: number) => {
    now += ms;
    for (const w of waiters.splice(0)) {
      if (now >= w.at) w.resolve();
      else waiters.push(w);
    }
  };
  let sendStart: number | undefined;
  const drained = new Set<string>();
  const queriesAt = (pop: string, t: number) => {
    const senders = lab.clients.filter((c) => o.senders.includes(c.name) && (drained.has(c.expect!.pop) ? c.expect!.backup : c.expect!.pop) === pop).length;
    const sending = sendStart === undefined ? 0 : Math.max(0, Math.min(t, sendStart + o.seconds * 1000) - sendStart);
    return Math.round((sending / 1000) * 200 * senders) + Math.floor((t - T0) / 200);
  };
  // Cumulative counts as seen from the start; a drain moves later queries only.
  const counted = new Map<string, number>();
  let last = T0;
  const accrue = () => {
    for (const r of lab.routers.filter((x) => x.role === 'pop')) {
      counted.set(r.name, (counted.get(r.name) ?? 0) + queriesAt(r.name, now) - queriesAt(r.name, last));
    }
    last = now;
  };
  class Rt extends FakeRuntime {
    override async exec(id: string, cmd: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
      if (cmd[2]?.includes('dnsperf')) {
        sendStart ??= now;
        await new Promise<void>((resolve) => waiters.push({ at: now + o.seconds * 1000, resolve }));
      }
      return super.exec(id, cmd, opts);
    }
  }
  const rt = new Rt({
    running: [...lab.routers, ...lab.clients].map((n) => `al-default-${n.name}`),
    onExec: (container, cmd) => {
      const node = container.replace(/^al-default-/, '');
      if (cmd[2]?.includes('dnsperf')) return node === o.failSender ? { exitCode: 1, stdout: '', stderr: 'dnsperf: no route' } : { stdout: DNSPERF };
      if (cmd[2]?.includes('@@cpu')) {
        accrue();
        return { stdout: `${stats(7, now, counted.get(node) ?? 0)}\n@@cpu\n${(now - T0) * 1e5}\n@@now\n${now * 1e6}\n` };
      }
      return undefined;
    },
  });
  const calls: string[] = [];
  const drainControl: DrainControl = {
    drain: async (pop) => {
      calls.push(`drain ${pop} @${now - T0}`);
      accrue();
      drained.add(pop);
    },
    undrain: async (pop) => {
      calls.push(`undrain ${pop} @${now - T0}`);
      accrue();
      drained.delete(pop);
    },
  };
  const lines: string[] = [];
  const deps = {
    rt,
    lab,
    progress: createProgress((ev) => lines.push(`${ev.subject} ${ev.step}`)),
    monoMs: () => now,
    sleep: async (ms: number) => advance(ms),
    drainControl,
    tag: 'anycast-lab-flood-test',
    onTick: (t: FloodTick) => lines.push(floodTickLine(t)),
  };
  return { rt, deps, calls, lines };
}

describe('runFlood', () => {
  it('sends from each client, samples every PoP each second, and splits the load by catchment', async () => {
    const { rt, deps, lines } = floodRig({ seconds: 4, senders: ['c-de', 'c-jp'] });
    const r = await runFlood(deps, planFlood(lab, { from: 'c-de,c-jp', qps: '200', seconds: '4' }), FLOOD_CAPS);
    expect(rt.execs('al-default-c-de')).toEqual([expect.stringContaining('dnsperf -s 192.0.2.53 -d /tmp/anycast-lab-flood-test.txt -l 4 -Q 200')]);
    expect(rt.execLog.find((e) => e.container === 'al-default-c-de')?.stdin).toBe('anycast.lab A\nwww.lab A\nns.lab A\n');
    expect(rt.execs('al-default-c-us')).toEqual([]);
    // baseline, t=1..4 s (the last one as the senders end), the tail sample
    expect(rt.execs('al-default-fra')).toHaveLength(6);
    expect(r.pops.map((p) => [p.pop, p.share > 0.4, p.expectedFrom])).toEqual([
      ['fra', true, ['c-de']],
      ['gru', false, []],
      ['iad', false, []],
      ['nrt', true, ['c-jp']],
    ]);
    expect(r.pops.find((p) => p.pop === 'fra')?.meanQps).toBeGreaterThanOrEqual(200);
    expect(r.results.map((x) => [x.client, x.summary?.sent])).toEqual([
      ['c-de', 2000],
      ['c-jp', 2000],
    ]);
    expect(lines.some((l) => /^t=2s fra 205 q\/s 10% \| gru 5 q\/s 10% \| iad 5 q\/s 10% \| nrt 205 q\/s 10%$/.test(l))).toBe(true);
  });

  it('drains at the asked second, moves the load, and always undrains', async () => {
    const { deps, calls } = floodRig({ seconds: 6, senders: ['c-de', 'c-jp'], failSender: 'c-jp' });
    const r = await runFlood(deps, planFlood(lab, { from: 'c-de,c-jp', qps: '200', seconds: '6', drain: 'fra', drainAt: '3' }), FLOOD_CAPS);
    expect(calls).toEqual(['drain fra @3000', 'undrain fra @7300']);
    expect(r.drain).toMatchObject({ pop: 'fra', atS: 3, drainedAtS: 3, undrainedAtS: 7.3 });
    // c-de's backup is iad: after the drain, its queries land there.
    expect(r.pops.find((p) => p.pop === 'iad')!.queries).toBeGreaterThan(500);
    expect(r.timeline.at(-2)!.pops.find((p) => p.pop === 'fra')!.qps).toBe(5);
    expect(r.results.find((x) => x.client === 'c-jp')?.error).toMatch(/dnsperf exited 1: dnsperf: no route/);
  });

  it('undrains and stops its own senders when interrupted', async () => {
    const { rt, deps, calls } = floodRig({ seconds: 10, senders: ['c-de'] });
    const ac = new AbortController();
    const sleep = deps.sleep;
    let n = 0;
    const run = runFlood(
      {
        ...deps,
        signal: ac.signal,
        sleep: async (ms) => {
          if (++n === 5) ac.abort();
          await sleep(ms);
        },
      },
      planFlood(lab, { from: 'c-de', qps: '100', seconds: '10', drain: 'fra', drainAt: '2' }),
      FLOOD_CAPS,
    );
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toEqual(['drain fra @2000', 'undrain fra @5000']);
    expect(rt.execs('al-default-c-de')).toContain('pkill -f anycast-lab-flood-test');
  });

  it('refuses a drain without a drain control', async () => {
    const { deps } = floodRig({ seconds: 4, senders: ['c-de'] });
    await expect(
      runFlood({ ...deps, drainControl: undefined }, planFlood(lab, { from: 'c-de', qps: '1', seconds: '4', drain: 'fra' }), FLOOD_CAPS),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});
