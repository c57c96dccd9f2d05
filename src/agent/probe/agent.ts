import type { Writable } from 'node:stream';
import type { ProbeConfig } from '../../contract/probe-config.js';
import { monoMs, type ProbeSummary, type Sample, type SampleFamily } from '../../contract/sample.js';
import type { ProbeContext, Prober } from './context.js';
import { startHttpTrace } from './http-trace.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { type StreamSet, startStreams } from './streams.js';
import { startTcpDns } from './tcp-dns.js';
import { startUdpDns } from './udp-dns.js';

export interface ProbeAgentDeps {
  /** Where NDJSON goes (process.stdout in a container). */
  out: Writable;
  /** Aborting stops the run gracefully: in-flight probes finish, then the summary. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Runs every prober until `durationMs` elapses or `signal` aborts, then waits
 * for in-flight probes (each bounded by its own timeout), writes the summary
 * line last and resolves with it.
 */
export async function runProbeAgent(config: ProbeConfig, deps: ProbeAgentDeps): Promise<ProbeSummary> {
  const now = deps.now ?? monoMs;
  const writer = new NdjsonWriter(deps.out, config.flushMs);
  const startMs = now();
  const cpu0 = process.cpuUsage();

  // One set of probers per family, side by side at the same rates.
  const families: FamilyProbers[] = [];
  for (const ctx of familyContexts(config, now, (s) => writer.write(s))) families.push(await startFamily(ctx));

  const stopReason = await untilStop(config.durationMs, deps.signal);

  const all = families.flatMap((f) => Object.values(f.probers));
  for (const p of all) p.stop();
  // Streams are closed by us: their end is not a measurement, so no sample.
  for (const f of families) f.streams.stop();
  // Every probe ends by its own deadline; the margin covers timer lateness.
  await Promise.all(all.map((p) => p.finish(Math.max(config.timeoutMs, config.udpTimeoutMs) + 250)));

  const endMs = now();
  const [v4, v6] = families.map(counters);
  const summary: ProbeSummary = {
    type: 'summary',
    client: config.client,
    startMs,
    endMs,
    durationMs: endMs - startMs,
    stopReason,
    probes: v4.probes,
    streams: v4.streams,
    samples: writer.count,
    lateAnswers: v4.lateAnswers,
    ...(v6 ? { ipv6: v6 } : {}),
    cpuMs: cpuMsSince(cpu0),
  };
  await writer.close(summary);
  return summary;
}

type Kind = 'udp-dns' | 'tcp-dns' | 'http';

interface FamilyProbers {
  probers: Partial<Record<Kind, Prober>>;
  streams: StreamSet;
}

/**
 * A context per family: IPv4 always (the config's own endpoints), IPv6 when
 * the config has its endpoints. A dual-stack agent tags every sample with its
 * family; an IPv4-only one writes exactly what it always did.
 */
function familyContexts(config: ProbeConfig, now: () => number, emit: (s: Sample) => void): ProbeContext[] {
  if (!config.ipv6) return [{ config, now, emit }];
  const tagged = (family: SampleFamily) => (s: Sample) => emit({ ...s, family });
  return [
    { config, now, emit: tagged('ipv4') },
    { config: { ...config, ...config.ipv6 }, now, emit: tagged('ipv6') },
  ];
}

async function startFamily(ctx: ProbeContext): Promise<FamilyProbers> {
  const { config } = ctx;
  const probers: Partial<Record<Kind, Prober>> = {};
  if (config.udpIntervalMs > 0) probers['udp-dns'] = await startUdpDns(ctx);
  if (config.tcpIntervalMs > 0) probers['tcp-dns'] = startTcpDns(ctx);
  if (config.httpIntervalMs > 0) probers.http = startHttpTrace(ctx);
  return { probers, streams: startStreams(ctx) };
}

function counters(f: FamilyProbers): Pick<ProbeSummary, 'probes' | 'streams' | 'lateAnswers'> {
  return {
    probes: Object.fromEntries(Object.entries(f.probers).map(([k, p]) => [k, p.summary()])),
    streams: f.streams.summary(),
    lateAnswers: f.probers['udp-dns']?.lateAnswers?.() ?? 0,
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return Math.round((d.user + d.system) / 1000);
}

function untilStop(durationMs: number, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const reasonOf = (): string => (signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? 'abort'));
    if (signal?.aborted) return resolve(reasonOf());
    const timer = durationMs > 0 ? setTimeout(() => done('duration'), durationMs) : undefined;
    const onAbort = (): void => done(reasonOf());
    const done = (reason: string): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
