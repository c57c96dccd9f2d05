// `npm run bench -- responder [--json]`: dnsperf from a client against, in one
// run and one PoP, a second instance of our responder, a bare dns2 3.1.1
// server and NSD, each on its own temporary anycast address and pinned to the
// same core (dnsperf on the other one). The production responder is never
// touched: the PoP keeps answering 192.0.2.53 throughout. After a short
// warm-up of each server, every server gets --reps runs in rotating order
// (a server is never always first or last), and the result gives medians and
// spread, the versions measured, and what else ran meanwhile.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pRetry from 'p-retry';
import { buildAgents } from '../agent/build.js';
import { AGENT_DIR, POP_PATHS } from '../contract/agent.js';
import { LabError } from '../errors.js';
import { runningLab } from '../lab/running-lab.js';
import { type DnsperfSummary, latencyColumn, type Percentiles, parseDnsperfSummary, percentiles } from '../probe/dnsperf.js';
import { containerName, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import { roleSpecOf } from '../topology/roles/registry.js';
import { benchQueryFile, renderNsdConf, renderNsdZone } from './nsd-config.js';

/** Target from the issue: our responder keeps at least 90 % of bare dns2's UDP qps. */
export const TARGET_RATIO = 0.9;
const WORK_DIR = '/run/anycast-lab/bench';
const QUERY_FILE = '/tmp/anycast-lab-bench-queries.txt';
const SERVER_CORE = 1;
/** The dns2 the agents are bundled with (pinned in package.json). */
const DNS2_VERSION = (createRequire(import.meta.url)('dns2/package.json') as { version: string }).version;
const DNSPERF_CORE = 0;

type TargetName = 'responder' | 'dns2' | 'nsd';

export interface BenchTargetResult {
  name: TargetName;
  address: string;
  summary: DnsperfSummary;
  percentiles: Percentiles | null;
}

/** Median and spread of one number over the repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  all: number[];
}

export function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round3(median), min: round3(s[0]), max: round3(s[s.length - 1]), all: xs.map(round3) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Rep r runs the servers rotated by r: each is first, middle and last once in 3 reps. */
export function rotation<T>(items: T[], rep: number): T[] {
  const k = rep % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export interface ServerSummary {
  name: TargetName;
  address: string;
  qps: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  lost: number;
}

export interface ResponderBenchResult {
  lab: string;
  pop: string;
  client: string;
  at: string;
  durationS: number;
  reps: number;
  warmupS: number;
  dnsperf: { clients: number; outstanding: number };
  queries: string[];
  /** Every run, in the order they ran. */
  runs: (BenchTargetResult & { rep: number })[];
  servers: ServerSummary[];
  /** Of the medians. */
  ratios: { responderOverDns2: number; responderOverNsd: number };
  target: { ratio: number; pass: boolean };
  versions: Record<string, string>;
  machine: { cores: number; pinning: string };
  /** What else ran while measuring: the PoP's processes, the lab's containers, the host's load. */
  environment: { popProcesses: string[]; labContainers: number; loadBefore: number; loadAfter: number };
  file: string;
}

export interface ResponderBenchOptions {
  lab?: string;
  pop?: string;
  durationS: number;
  clients: number;
  outstanding: number;
  reps: number;
  warmupS: number;
  /** Where the result file goes (bench/results/). */
  resultsDir: string;
}

export async function benchResponder(rt: ContainerRuntime, o: ResponderBenchOptions, log: (line: string) => void): Promise<ResponderBenchResult> {
  // The servers under test run from the bundle (bench-responder.mjs, bench-dns2.mjs).
  await buildAgents();
  const lab = await runningLab(rt, o.lab);
  const popName = o.pop ?? lab.clients.find((c) => c.expect?.pop)?.expect?.pop;
  const clientName = lab.clients.find((c) => c.expect?.pop === popName)?.name;
  if (!popName || !clientName)
    throw new LabError('USAGE', `no client of lab ${lab.name} has expect.pop ${popName ?? '(any)'}; dnsperf must run from a client in that PoP's catchment`);
  const pop = await rt.inspectContainer(containerName(lab.name, popName));
  const client = await rt.inspectContainer(containerName(lab.name, clientName));
  if (pop?.state !== 'running' || client?.state !== 'running' || !roleSpecOf(pop.labels[LABEL.role])?.topology.servesAnycast)
    throw new LabError('NOT_FOUND', `lab ${lab.name}: PoP ${popName} or client ${clientName} is not running`);

  // Three free addresses in the anycast prefix next to the DNS address: the
  // client reaches them through the route it already has to this PoP.
  const base = lab.anycast.dnsAddress.split('.').map(Number);
  const addr = (k: number) => [...base.slice(0, 3), base[3] + k].join('.');
  const targets: { name: TargetName; address: string }[] = [
    { name: 'responder', address: addr(3) },
    { name: 'dns2', address: addr(1) },
    { name: 'nsd', address: addr(2) },
  ];
  const firstA = Object.entries(lab.anycast.records)[0];
  const queries = benchQueryFile(lab.anycast.zone, lab.anycast.records);
  const pexec = async (cmd: string, what: string, stdin?: string) => {
    const r = await rt.exec(pop.id, ['sh', '-c', cmd], { timeoutMs: 60_000, stdin });
    if (r.exitCode !== 0) throw new LabError('EXPERIMENT', `PoP ${popName}: ${what} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  };

  const cleanup: Array<() => Promise<unknown>> = [];
  const runs: (BenchTargetResult & { rep: number })[] = [];
  const env: ResponderBenchResult['environment'] = { popProcesses: [], labContainers: 0, loadBefore: 0, loadAfter: 0 };
  const versions: Record<string, string> = { dns2: DNS2_VERSION };
  try {
    await pexec(`mkdir -p ${WORK_DIR}`, 'creating the work dir');
    cleanup.push(() => pexec(`rm -rf ${WORK_DIR}`, 'removing the work dir'));
    for (const t of targets) {
      await pexec(`ip addr add ${t.address}/32 dev anycast0`, `adding ${t.address}`);
      cleanup.push(() => pexec(`ip addr del ${t.address}/32 dev anycast0`, `removing ${t.address}`));
    }
    const pin = `taskset -c ${SERVER_CORE}`;
    log(
      `bench: starting responder (${targets[0].address}), dns2 (${targets[1].address}) and NSD (${targets[2].address}) in ${popName}, pinned to core ${SERVER_CORE}`,
    );
    for (const [name, cmd] of [
      ['responder', `${pin} node ${AGENT_DIR}/bench-responder.mjs ${POP_PATHS.config} ${targets[0].address}`],
      ['dns2', `${pin} node ${AGENT_DIR}/bench-dns2.mjs ${targets[1].address} '${JSON.stringify(lab.anycast.records)}'`],
    ] as const) {
      await pexec(`nohup ${cmd} >${WORK_DIR}/${name}.log 2>&1 & echo $! >${WORK_DIR}/${name}.pid`, `starting ${name}`);
      cleanup.push(() => pexec(`kill $(cat ${WORK_DIR}/${name}.pid) 2>/dev/null; true`, `stopping ${name}`));
    }
    const rrl = /--enable-ratelimit/.test(await pexec('nsd -v 2>&1', 'nsd -v'));
    const nsd = { address: targets[2].address, identity: popName, dir: WORK_DIR, zone: lab.anycast.zone, records: lab.anycast.records, rrl };
    await pexec(`cat >${WORK_DIR}/nsd.conf`, 'writing nsd.conf', renderNsdConf(nsd));
    await pexec(`cat >${WORK_DIR}/bench.zone`, 'writing the NSD zone', renderNsdZone(nsd));
    await pexec(`nsd-checkconf ${WORK_DIR}/nsd.conf && ${pin} nsd -c ${WORK_DIR}/nsd.conf`, 'starting nsd');
    cleanup.push(() => pexec(`kill $(cat ${WORK_DIR}/nsd.pid) 2>/dev/null; true`, 'stopping nsd'));

    const cexec = (cmd: string[], timeoutMs: number, stdin?: string) => rt.exec(client.id, cmd, { timeoutMs, stdin });
    await cexec(['sh', '-c', `cat >${QUERY_FILE}`], 10_000, queries);
    cleanup.push(() => cexec(['rm', '-f', QUERY_FILE], 10_000));
    for (const t of targets) {
      await pRetry(
        async () => {
          const r = await cexec(['dig', '+tries=1', '+time=1', '+short', `@${t.address}`, firstA[0], 'A'], 10_000);
          if (r.stdout.trim() !== firstA[1]) throw new Error(`${t.name} at ${t.address} answered ${JSON.stringify(r.stdout.trim() || r.stderr.trim())}`);
        },
        { retries: 20, minTimeout: 250, factor: 1 },
      ).catch((cause) => {
        throw new LabError('EXPERIMENT', `${t.name} did not start answering in ${popName}: ${(cause as Error).message}`, { cause });
      });
    }

    const dnsperfRun = async (t: { name: TargetName; address: string }, seconds: number): Promise<BenchTargetResult> => {
      const out = `/tmp/anycast-lab-dnsperf-${t.name}.out`;
      const dnsperf = `taskset -c ${DNSPERF_CORE} dnsperf -s ${t.address} -d ${QUERY_FILE} -l ${seconds} -c ${o.clients} -q ${o.outstanding} -t 2 -v`;
      // Latencies travel as one number per line; the -v file itself stays in the client.
      const r = await cexec(
        ['sh', '-c', `${dnsperf} >${out} 2>&1; rc=$?; grep -v '^> ' ${out}; echo @@latencies; awk '/^> / {print $NF}' ${out}; rm -f ${out}; exit $rc`],
        (seconds + 60) * 1000,
      );
      const [summaryText, latText = ''] = r.stdout.split('@@latencies\n');
      if (r.exitCode !== 0) throw new LabError('EXPERIMENT', `dnsperf against ${t.name} exited ${r.exitCode}: ${summaryText.slice(-1500)}`);
      return { name: t.name, address: t.address, summary: parseDnsperfSummary(summaryText), percentiles: percentiles(latencyColumn(latText)) };
    };
    env.loadBefore = loadavg()[0];
    for (const t of targets) {
      log(`bench: warm-up ${t.name} for ${o.warmupS} s`);
      await dnsperfRun(t, o.warmupS);
    }
    for (let rep = 0; rep < o.reps; rep++) {
      for (const t of rotation(targets, rep)) {
        log(`bench: rep ${rep + 1}/${o.reps}: dnsperf -> ${t.name} ${t.address} for ${o.durationS} s`);
        runs.push({ ...(await dnsperfRun(t, o.durationS)), rep: rep + 1 });
      }
    }
    env.loadAfter = loadavg()[0];
    env.popProcesses = [
      ...new Set(
        (await pexec('ps -eo comm --no-headers', 'listing processes'))
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ].sort();
    env.labContainers = (await rt.listContainers({ [LABEL.lab]: lab.name })).length;
    versions.nsd = (await pexec('nsd -v 2>&1 | head -1', 'nsd -v')).trim();
    versions.node = (await pexec('node --version', 'node --version')).trim();
    versions.dnsperf = (await cexec(['sh', '-c', 'dnsperf -h 2>&1 | grep -i version | head -1'], 10_000)).stdout.trim();
  } finally {
    for (const undo of cleanup.reverse()) await undo().catch((e: Error) => log(`bench: cleanup: ${e.message}`));
  }

  const servers: ServerSummary[] = targets.map((t) => {
    const mine = runs.filter((r) => r.name === t.name);
    return {
      name: t.name,
      address: t.address,
      qps: spread(mine.map((r) => r.summary.qps)),
      p50Ms: spread(mine.map((r) => r.percentiles?.p50Ms ?? NaN)),
      p99Ms: spread(mine.map((r) => r.percentiles?.p99Ms ?? NaN)),
      lost: mine.reduce((n, r) => n + r.summary.lost, 0),
    };
  });
  const qps = (n: TargetName) => servers.find((r) => r.name === n)!.qps.median;
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
  const at = new Date().toISOString();
  const file = join(o.resultsDir, `responder-${at.replace(/[:.]/g, '-')}.json`);
  const result: ResponderBenchResult = {
    lab: lab.name,
    pop: popName,
    client: clientName,
    at,
    durationS: o.durationS,
    reps: o.reps,
    warmupS: o.warmupS,
    dnsperf: { clients: o.clients, outstanding: o.outstanding },
    queries: queries.trim().split('\n'),
    runs,
    servers,
    ratios: { responderOverDns2: ratio(qps('responder'), qps('dns2')), responderOverNsd: ratio(qps('responder'), qps('nsd')) },
    target: { ratio: TARGET_RATIO, pass: qps('responder') >= TARGET_RATIO * qps('dns2') },
    versions,
    machine: { cores: cpus().length, pinning: `servers on core ${SERVER_CORE} (taskset in the PoP), dnsperf on core ${DNSPERF_CORE} (taskset in the client)` },
    environment: env,
    file,
  };
  mkdirSync(o.resultsDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(versioned(result), null, 2)}\n`);
  return result;
}

export function renderBenchTable(r: ResponderBenchResult): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const sp = (x: Spread, d = 2) => `${f(x.median, d)} (${f(x.min, d)}–${f(x.max, d)})`;
  const head = ['server', 'address', 'qps median (min–max)', 'p50 ms', 'p99 ms', 'lost'];
  const rows = r.servers.map((t) => [t.name, t.address, sp(t.qps, 0), sp(t.p50Ms), sp(t.p99Ms), String(t.lost)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [
    `responder benchmark in ${r.lab}/${r.pop}, dnsperf from ${r.client}: ${r.reps} runs of ${r.durationS} s per server in rotating order after ${r.warmupS} s of warm-up (-c ${r.dnsperf.clients} -q ${r.dnsperf.outstanding}; ${r.machine.pinning})`,
    fmt(head),
    ...rows.map(fmt),
    '',
    `responder/dns2 ${(r.ratios.responderOverDns2 * 100).toFixed(1)}%   responder/NSD ${(r.ratios.responderOverNsd * 100).toFixed(1)}% (medians)`,
    `${r.target.pass ? 'PASS' : 'FAIL'}: target responder >= ${r.target.ratio * 100}% of bare dns2 UDP qps`,
    `versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; ${r.machine.cores} cores`,
    `meanwhile: ${r.environment.labContainers} lab containers running, host load ${r.environment.loadBefore.toFixed(1)} → ${r.environment.loadAfter.toFixed(1)}; in the PoP: ${r.environment.popProcesses.join(', ')}`,
    `written to ${r.file}`,
  ].join('\n');
}
