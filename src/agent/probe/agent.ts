import type { Writable } from 'node:stream';
import { monoMs, type ProbeSummary, type Sample } from '../../probe/sample.js';
import type { ProbeConfig } from './config.js';
import type { Prober } from './context.js';
import { startHttpTrace } from './http-trace.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { startStreams } from './streams.js';
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
  const ctx = { config, now, emit: (s: Sample) => writer.write(s) };
  const startMs = now();
  const cpu0 = process.cpuUsage();

  const probers: Partial<Record<'udp-dns' | 'tcp-dns' | 'http', Prober>> = {};
  if (config.udpIntervalMs > 0) probers['udp-dns'] = await startUdpDns(ctx);
  if (config.tcpIntervalMs > 0) probers['tcp-dns'] = startTcpDns(ctx);
  if (config.httpIntervalMs > 0) probers.http = startHttpTrace(ctx);
  const streams = startStreams(ctx);

  const stopReason = await untilStop(config.durationMs, deps.signal);

  const all = Object.values(probers);
  for (const p of all) p.stop();
  // Streams are closed by us: their end is not a measurement, so no sample.
  streams.stop();
  // Every probe ends by its own deadline; the margin covers timer lateness.
  await Promise.all(all.map((p) => p.finish(Math.max(config.timeoutMs, config.udpTimeoutMs) + 250)));

  const endMs = now();
  const summary: ProbeSummary = {
    type: 'summary',
    client: config.client,
    startMs,
    endMs,
    durationMs: endMs - startMs,
    stopReason,
    probes: Object.fromEntries(Object.entries(probers).map(([k, p]) => [k, p.summary()])),
    streams: streams.summary(),
    samples: writer.count,
    lateAnswers: probers['udp-dns']?.lateAnswers?.() ?? 0,
    cpuMs: cpuMsSince(cpu0),
  };
  await writer.close(summary);
  return summary;
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
