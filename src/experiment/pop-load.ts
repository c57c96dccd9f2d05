// Load as the PoPs see it: the responder's own query counters (POP_PATHS.stats,
// rewritten about once a second) and the container's CPU from its cgroup,
// both read by one short exec per PoP per sample. Pure apart from the command
// string: parsing, rates with counter resets, the per-PoP summary.

import { POP_PATHS } from '../contract/agent.js';
import { cgroupCpuS } from '../util/cgroup-cpu.js';

/**
 * Run in the PoP. The cgroup is read from inside the container: Docker mounts
 * the container's own cgroup at /sys/fs/cgroup (v1 cpuacct.usage in ns, or
 * v2 cpu.stat usage_usec), so the same command works on both layouts.
 */
export const POP_LOAD_COMMAND = [
  'sh',
  '-c',
  `cat ${POP_PATHS.stats} 2>/dev/null; echo; echo @@cpu; cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || grep '^usage_usec' /sys/fs/cgroup/cpu.stat 2>/dev/null; echo @@now; date +%s%N`,
];

export interface PopSample {
  /** Unix ms at which the sample was read (the container's clock, the host's). */
  atMs: number;
  /** From the stats file; absent while the responder has none (not started, down). */
  counters?: { pid: number; writtenAt: number; queries: number };
  /** CPU-seconds of the container since it started; absent if no cgroup file was readable. */
  cpuS?: number;
}

/** Parses POP_LOAD_COMMAND's output; undefined when the output has no clock line (the exec failed). */
export function parsePopSample(stdout: string): PopSample | undefined {
  const [statsText = '', rest = ''] = stdout.split('@@cpu');
  const [cpuText = '', nowText = ''] = rest.split('@@now');
  const nowNs = /(\d{10,})/.exec(nowText);
  if (!nowNs) return undefined;
  const sample: PopSample = { atMs: Math.round(Number(nowNs[1]) / 1e6) };
  try {
    const s = JSON.parse(statsText.trim()) as { pid: number; writtenAt: number; udp?: { queries?: number }; tcp?: { queries?: number } };
    if (typeof s.writtenAt === 'number') sample.counters = { pid: s.pid, writtenAt: s.writtenAt, queries: (s.udp?.queries ?? 0) + (s.tcp?.queries ?? 0) };
  } catch {
    // no stats file (yet): no counters in this sample
  }
  const cpuS = cgroupCpuS(cpuText);
  if (cpuS !== undefined) sample.cpuS = cpuS;
  return sample;
}

/** What happened between two samples of one PoP. */
export interface LoadInterval {
  /** Queries counted in between (from the stats snapshots' times). */
  queries: number;
  /** q/s; null when the stats file was not rewritten in between. */
  qps: number | null;
  /** CPU-seconds spent in between. */
  cpuS: number;
  /** % of one core; null without CPU in both samples. */
  cpuPct: number | null;
  /** Wall ms between the two samples. */
  ms: number;
}

/** A counter that went down, or a responder with another pid, restarted from zero: all it counts now is new. */
const counterDelta = (prev: number, cur: number, reset: boolean): number => (reset || cur < prev ? cur : cur - prev);

export function loadInterval(a: PopSample, b: PopSample): LoadInterval {
  const ms = Math.max(0, b.atMs - a.atMs);
  let queries = 0;
  let qps: number | null = null;
  if (b.counters) {
    const ac = a.counters;
    queries = ac ? counterDelta(ac.queries, b.counters.queries, ac.pid !== b.counters.pid) : 0;
    if (ac && b.counters.writtenAt > ac.writtenAt) qps = queries / ((b.counters.writtenAt - ac.writtenAt) / 1000);
  }
  let cpuS = 0;
  let cpuPct: number | null = null;
  if (a.cpuS !== undefined && b.cpuS !== undefined) {
    cpuS = counterDelta(a.cpuS, b.cpuS, false);
    if (ms > 0) cpuPct = (cpuS / (ms / 1000)) * 100;
  }
  return { queries, qps, cpuS, cpuPct, ms };
}

export const intervals = (samples: PopSample[]): LoadInterval[] => samples.slice(1).map((b, i) => loadInterval(samples[i], b));

export interface PopLoadRow {
  pop: string;
  queries: number;
  /** queries / the flood's seconds. */
  meanQps: number;
  /** Highest q/s between two snapshots. */
  peakQps: number;
  /** CPU over the whole sampled window, % of one core; null without CPU readings. */
  meanCpuPct: number | null;
  /** Of the queries all PoPs counted, 0..1 (0 when none counted any). */
  share: number;
}

/** Per PoP, from its samples (first before the senders start, last after they end); `seconds` is how long the senders ran. */
export function summarizeLoad(samplesByPop: Record<string, PopSample[]>, seconds: number): PopLoadRow[] {
  const rows = Object.entries(samplesByPop).map(([pop, samples]) => {
    const iv = intervals(samples);
    const queries = iv.reduce((s, i) => s + i.queries, 0);
    const withCpu = iv.filter((i) => i.cpuPct !== null);
    const cpuMs = withCpu.reduce((s, i) => s + i.ms, 0);
    return {
      pop,
      queries,
      meanQps: round1(queries / seconds),
      peakQps: round1(Math.max(0, ...iv.map((i) => i.qps ?? 0))),
      meanCpuPct: cpuMs > 0 ? round1((withCpu.reduce((s, i) => s + i.cpuS, 0) / (cpuMs / 1000)) * 100) : null,
      share: 0,
    };
  });
  const total = rows.reduce((s, r) => s + r.queries, 0);
  for (const r of rows) r.share = total > 0 ? Math.round((r.queries / total) * 1000) / 1000 : 0;
  return rows.sort((a, b) => a.pop.localeCompare(b.pop));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
