// The DDoS-dispersion demo: dnsperf inside the chosen clients, all at once,
// against the anycast DNS address, while every PoP's counters and CPU are
// sampled once a second. Each PoP should absorb only its catchment's share;
// a drain in the middle shows the load moving. Nothing is sent from the host:
// the senders are bounded by dnsperf's -Q/-l and a `timeout` around it, so
// they stop by themselves even if this process dies.
import { LabError } from '../errors.js';
import type { Progress } from '../lab/progress.js';
import { type DnsperfSummary, parseDnsperfSummary } from '../probe/dnsperf.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { type FloodPlan, floodQueryFile, popsOf, senderScript } from './flood-plan.js';
import { loadInterval, POP_LOAD_COMMAND, type PopLoadRow, type PopSample, parsePopSample, summarizeLoad } from './pop-load.js';

/** Takes a PoP out of (and back into) the anycast announcement; the flood only calls it. */
export interface DrainControl {
  drain(pop: string): Promise<void>;
  undrain(pop: string): Promise<void>;
}

export interface FloodDeps {
  rt: ContainerRuntime;
  lab: Lab;
  progress: Progress;
  /** Monotonic ms. */
  monoMs(): number;
  sleep(ms: number): Promise<void>;
  /** Needed when the plan drains a PoP. */
  drainControl?: DrainControl;
  signal?: AbortSignal;
  /** Unique per run: names the query file, so an interrupted run stops exactly its own dnsperf. */
  tag: string;
  /** Each second's load, for a live view. */
  onTick?(tick: FloodTick): void;
}

export interface FloodTick {
  /** Whole seconds since the senders started. */
  t: number;
  pops: { pop: string; qps: number | null; cpuPct: number | null }[];
}

export interface SenderResult {
  client: string;
  eyeball: string;
  summary?: DnsperfSummary;
  error?: string;
}

export interface FloodResult {
  lab: string;
  dnsAddress: string;
  senders: string[];
  qpsPerSender: number;
  seconds: number;
  caps: { totalQps: number; seconds: number };
  /** Each PoP's health checker queries its own responder this often: its rate at rest. */
  healthIntervalMs: number;
  drain?: { pop: string; atS: number; drainedAtS?: number; undrainedAtS?: number; error?: string };
  /** Per PoP, the senders whose expect.pop (the lab file's catchment) it is. */
  pops: (PopLoadRow & { expectedFrom: string[] })[];
  timeline: FloodTick[];
  results: SenderResult[];
}

const SAMPLE_MS = 1000;
/** After the senders end: the stats writer's period and a margin, so the last snapshot holds the last queries. */
const TAIL_MS = 1300;

export async function runFlood(d: FloodDeps, plan: FloodPlan, caps: { totalQps: number; seconds: number }): Promise<FloodResult> {
  const { rt, lab, progress } = d;
  if (plan.drain && !d.drainControl) throw new LabError('USAGE', '`--drain` needs a drain control (none was wired)');
  const pops = popsOf(lab);
  const samples: Record<string, PopSample[]> = Object.fromEntries(pops.map((p) => [p, []]));
  const timeline: FloodTick[] = [];

  const sampleAll = async () => {
    const got = await Promise.all(
      pops.map(async (pop) => {
        const r = await rt.exec(containerName(lab.name, pop), POP_LOAD_COMMAND, { timeoutMs: 5000 }).catch(() => undefined);
        return [pop, r ? parsePopSample(r.stdout) : undefined] as const;
      }),
    );
    for (const [pop, s] of got) if (s) samples[pop].push(s);
  };
  const tick = (t: number) => {
    const ev: FloodTick = {
      t,
      pops: pops.map((pop) => {
        const s = samples[pop];
        // The latest interval whose stats were rewritten: the writer and the sampler both tick at 1 s and drift apart.
        for (let i = s.length - 1; i > 0; i--) {
          const iv = loadInterval(s[i - 1], s[i]);
          if (iv.qps !== null || i === 1)
            return { pop, qps: iv.qps === null ? null : Math.round(iv.qps), cpuPct: iv.cpuPct === null ? null : Math.round(iv.cpuPct) };
        }
        return { pop, qps: null, cpuPct: null };
      }),
    };
    timeline.push(ev);
    d.onTick?.(ev);
  };

  progress.step('flood', 'baseline', `sampling ${pops.join(', ')}`);
  await sampleAll();
  const eyeballOf = (c: string) => lab.clients.find((x) => x.name === c)?.eyeball ?? '?';
  progress.step(
    'flood',
    'start',
    `${plan.senders.join(', ')} → ${lab.anycast.dnsAddress}: ${plan.qps} q/s each for ${plan.seconds} s (${plan.qps * plan.senders.length} q/s in all; cap ${caps.totalQps})`,
  );
  const script = senderScript(lab.anycast.dnsAddress, d.tag, plan.qps, plan.seconds);
  const queryFile = floodQueryFile(lab.anycast.records);
  let running = plan.senders.length;
  const senders = Promise.all(
    plan.senders.map(async (client): Promise<SenderResult> => {
      const base = { client, eyeball: eyeballOf(client) };
      try {
        const r = await rt.exec(containerName(lab.name, client), ['sh', '-c', script], { timeoutMs: (plan.seconds + 30) * 1000, stdin: queryFile });
        try {
          return { ...base, summary: parseDnsperfSummary(r.stdout) };
        } catch {
          return { ...base, error: `dnsperf exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(-500) || '(no output)'}` };
        }
      } catch (e) {
        return { ...base, error: (e as Error).message };
      } finally {
        running--;
      }
    }),
  );
  const t0 = d.monoMs();
  const drain: FloodResult['drain'] = plan.drain ? { ...plan.drain } : undefined;
  let drained = false;
  let results: SenderResult[];
  try {
    for (let k = 1; running > 0; k++) {
      const wait = t0 + k * SAMPLE_MS - d.monoMs();
      if (wait > 0) await Promise.race([d.sleep(wait), senders]);
      if (d.signal?.aborted) throw new LabError('INTERRUPTED', 'flood interrupted');
      if (running === 0) break;
      await sampleAll();
      tick(k);
      if (drain && !drained && k >= drain.atS && d.drainControl) {
        progress.step(drain.pop, 'drain', `withdrawing ${lab.anycast.prefix} at t=${k}s`);
        drained = true;
        try {
          await d.drainControl.drain(drain.pop);
          drain.drainedAtS = round1((d.monoMs() - t0) / 1000);
        } catch (e) {
          drain.error = (e as Error).message;
          progress.step(drain.pop, 'drain failed', drain.error);
        }
      }
    }
    results = await senders;
    await d.sleep(TAIL_MS);
    await sampleAll();
    tick(Math.round((d.monoMs() - t0) / 1000));
  } catch (e) {
    // Senders stop by themselves; this only makes an interrupt prompt.
    await Promise.all(plan.senders.map((c) => rt.exec(containerName(lab.name, c), ['pkill', '-f', d.tag], { timeoutMs: 5000 }).catch(() => undefined)));
    throw e;
  } finally {
    if (drain && drained && d.drainControl) {
      progress.step(drain.pop, 'undrain', `announcing ${lab.anycast.prefix} again`);
      await d.drainControl.undrain(drain.pop);
      drain.undrainedAtS = round1((d.monoMs() - t0) / 1000);
    }
  }
  return {
    lab: lab.name,
    dnsAddress: lab.anycast.dnsAddress,
    senders: plan.senders,
    qpsPerSender: plan.qps,
    seconds: plan.seconds,
    caps,
    healthIntervalMs: lab.health.interval,
    ...(drain ? { drain } : {}),
    pops: summarizeLoad(samples, plan.seconds).map((row) => ({
      ...row,
      expectedFrom: plan.senders.filter((c) => lab.clients.find((x) => x.name === c)?.expect?.pop === row.pop),
    })),
    timeline,
    results,
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
