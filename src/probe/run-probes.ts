// Runs the probe agent in client containers, all at once, and collects its
// NDJSON as it arrives: samples are parsed chunk by chunk (lossless across
// docker's frame boundaries) and visible live, so an experiment can wait for
// "every client has moved" while the probes are still running.
import { randomBytes } from 'node:crypto';
import { AGENT_DIR } from '../contract/agent.js';
import type { ProbeSummary, Sample } from '../contract/sample.js';
import { LabError } from '../errors.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { AnycastService6, Lab } from '../topology/model.js';
import { createNdjsonParser } from './ndjson.js';

export interface ProbeTarget {
  client: string;
  /** Container id or name. */
  container: string;
}

/** Probe rates; the agent's defaults apply to anything left out. */
export interface ProbeRates {
  udpIntervalMs?: number;
  tcpIntervalMs?: number;
  httpIntervalMs?: number;
  streams?: number;
  timeoutMs?: number;
  udpTimeoutMs?: number;
}

export interface StartProbesOptions {
  rates?: ProbeRates;
  /**
   * Hard cap on the run, passed to the agent as durationMs: if the
   * orchestrator dies, the probes still end on their own. stop() ends them
   * earlier.
   */
  maxDurationMs: number;
}

export interface ClientProbeRun {
  client: string;
  samples: Sample[];
  summary?: ProbeSummary;
  /** Lines that were neither a sample nor the summary. */
  invalid: string[];
  stderr: string;
  exitCode: number | null;
  /** Samples the agent says it wrote that never reached us (summary.samples − parsed). */
  lostSamples: number | null;
}

export interface ProbeSession {
  /** Unique tag in every agent's argv; `pkill -f` matches it and nothing else. */
  readonly runId: string;
  /** Samples of one client so far (live, append-only). */
  samples(client: string): readonly Sample[];
  /** Ends every agent (SIGTERM: in-flight probes finish, the summary is written) and returns all runs. */
  stop(): Promise<ClientProbeRun[]>;
  /** Resolves when every agent has exited on its own (durationMs). */
  readonly done: Promise<ClientProbeRun[]>;
}

export function probeConfig(lab: Lab, client: string, runId: string, durationMs: number, rates: ProbeRates = {}): Record<string, unknown> {
  return {
    client,
    run: runId,
    dns: { address: lab.anycast.dnsAddress, port: 53 },
    http: { address: lab.anycast.httpAddress, port: 80 },
    stream: { address: lab.anycast.httpAddress, port: lab.anycast.streamPort },
    // Dual-stack labs: the agent probes the IPv6 addresses too, at the same rates.
    ...(lab.anycast.ipv6 ? { ipv6: ipv6Endpoints(lab.anycast.ipv6, lab.anycast.streamPort) } : {}),
    durationMs,
    ...rates,
  };
}

const ipv6Endpoints = (v6: AnycastService6, streamPort: number) => ({
  dns: { address: v6.dnsAddress, port: 53 },
  http: { address: v6.httpAddress, port: 80 },
  stream: { address: v6.httpAddress, port: streamPort },
});

// An agent that ignores SIGTERM past its own in-flight deadline (≤ 1.25 s) is stuck.
const STOP_GRACE_MS = 5_000;

export async function startProbes(rt: ContainerRuntime, lab: Lab, targets: ProbeTarget[], opts: StartProbesOptions): Promise<ProbeSession> {
  if (!(opts.maxDurationMs > 0)) throw new LabError('USAGE', `Expected \`maxDurationMs\` to be a positive number, got ${opts.maxDurationMs}`);
  const runId = `al-probe-${randomBytes(6).toString('hex')}`;
  const runs = new Map<string, ClientProbeRun>();
  const containers = new Map(targets.map((t) => [t.client, t.container]));

  const settled = await Promise.allSettled(
    targets.map(async (t) => {
      const run: ClientProbeRun = { client: t.client, samples: [], invalid: [], stderr: '', exitCode: null, lostSamples: null };
      runs.set(t.client, run);
      const config = JSON.stringify(probeConfig(lab, t.client, runId, opts.maxDurationMs, opts.rates));
      const stream = await rt.execStream(t.container, ['node', `${AGENT_DIR}/probe.mjs`, config]);
      const parser = createNdjsonParser();
      const take = (lines: ReturnType<typeof parser.push>) => {
        for (const l of lines) {
          if (l.type === 'sample') run.samples.push(l.sample);
          else if (l.type === 'summary') run.summary = l.summary;
          else run.invalid.push(l.line);
        }
      };
      stream.stdout.on('data', (b: Buffer) => take(parser.push(b)));
      stream.stderr.on('data', (b: Buffer) => {
        // Keep the tail only: a crashing agent's stack, not megabytes.
        run.stderr = (run.stderr + b.toString('utf8')).slice(-4000);
      });
      // Wrapped: returning the promise itself would make this start wait for the end.
      const finished = stream.done.then(
        (code) => {
          take(parser.end());
          run.exitCode = code;
          run.lostSamples = run.summary ? run.summary.samples - run.samples.length : null;
          return run;
        },
        (err: unknown) => {
          take(parser.end());
          run.stderr += `\nexec stream failed: ${(err as Error).message}`;
          return run;
        },
      );
      return { finished };
    }),
  );
  const killAll = (signal: 'TERM' | 'KILL') =>
    Promise.all(
      [...containers.values()].map((c) =>
        // Exit 1 = nothing matched: that agent has already ended.
        rt.exec(c, ['pkill', `-${signal}`, '-f', runId], { timeoutMs: 10_000 }).catch(() => undefined),
      ),
    );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await killAll('KILL');
    throw new LabError('EXPERIMENT', `could not start the probe agent in every client: ${(failed.reason as Error)?.message ?? failed.reason}`, {
      cause: failed.reason,
    });
  }
  const done = Promise.all(settled.map((s) => (s as PromiseFulfilledResult<{ finished: Promise<ClientProbeRun> }>).value.finished));

  const stop = async (): Promise<ClientProbeRun[]> => {
    await killAll('TERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
    const r = await Promise.race([done, late]).finally(() => clearTimeout(timer));
    if (r !== 'late') return r;
    await killAll('KILL');
    return [...runs.values()];
  };

  return {
    runId,
    samples: (client) => runs.get(client)?.samples ?? [],
    stop,
    done,
  };
}
