// `npm run bench -- swarm`: the cost of spreading a lab over two hosts,
// measured on one machine. A two-node Swarm (this engine as manager, a
// Docker-in-Docker node as worker, as the suite's swarm-lab test makes it); the
// split lab (bench/split-lab.ts: the default topology, t-us's side on the
// node, four networks crossing as overlays) and the same lab on this engine
// alone, alternated, `up` phase by phase; the round trip over an overlay
// against a local bridge; what forming the Swarm and shipping the images
// cost once. The node shares this machine's CPUs: "split" here measures
// the overlays and the second engine, not a second machine's cores.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { labDown } from '../lab/down.js';
import { forgetHosts, runtimeWithHosts, shipImages } from '../lab/hosts-runtime.js';
import type { Progress } from '../lab/progress.js';
import { labUp, type UpPhases } from '../lab/up.js';
import { REPO_ROOT } from '../paths.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { ensureImages } from '../runtime/ensure-images.js';
import { FederatedRuntime } from '../runtime/federation.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { ensureDindImage } from '../runtime/swarm/dind-image.js';
import { type DindNode, formSwarm, startDindNodes, teardownSwarm } from '../runtime/swarm/dind-swarm.js';
import { versioned } from '../schema-version.js';
import { parseLab } from '../topology/load.js';
import { timestamp } from '../util/timestamp.js';
import { splitLabText } from './split-lab.js';
import { medianPhases, series } from './up.js';

const SWARM = 'bench-swarm';
const LAB = 'split';
/** t-eu's neighbours: t-us across the overlay (t-eu--t-us), fra on a local bridge (fra--t-eu). */
const OVERLAY_PEER = '10.57.0.43';
const BRIDGE_PEER = '10.57.0.2';

export interface SwarmBenchDeps {
  rt: ContainerRuntime;
  configRoot: string;
  resultsDir: string;
  log: Progress;
}

interface Rtt {
  lossPct: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
}

export type SwarmBenchResult = Awaited<ReturnType<typeof runSwarmBench>>;

export async function runSwarmBench(ctx: SwarmBenchDeps, o: { reps: number }) {
  const host = new Docker();
  const quiet: Progress = { step() {} };
  const paths = { configRoot: ctx.configRoot };
  await teardownSwarm(host, SWARM);
  const once: Record<string, number> = {};
  const timed = async <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await f();
    once[key] = Math.round(performance.now() - t);
    return r;
  };
  const images = await ensureImages(ctx.rt, {});
  const dind = await timed('dindImageMs', () => ensureDindImage(new DockerRuntime(host)));
  const [node] = await timed('nodeStartMs', () => startDindNodes(host, SWARM, dind, 1, [REPO_ROOT]));
  try {
    await timed('swarmFormMs', () => formSwarm(host, SWARM, [node]));
    ctx.log.step('bench', 'swarm', `two nodes in ${once.nodeStartMs + once.swarmFormMs} ms; shipping the lab's images to ${node.name}`);
    await timed('imageShipMs', () =>
      shipImages(
        new FederatedRuntime(
          [
            { name: 'h1', rt: ctx.rt },
            { name: 'h2', rt: new DockerRuntime(node.docker, false) },
          ],
          [],
        ),
        [images.router, images.client],
        quiet,
      ),
    );
    const labs = labFiles(node);
    const runs: Record<'oneHost' | 'split', { wallMs: number; phases: UpPhases }[]> = { oneHost: [], split: [] };
    const rtt: { overlay: Rtt[]; bridge: Rtt[] } = { overlay: [], bridge: [] };
    for (let i = 0; i < o.reps; i++) {
      // Alternated, so both see the same machine state.
      for (const side of ['oneHost', 'split'] as const) {
        const lab = parseLab(readFileSync(labs[side], 'utf8'), labs[side]);
        const r = await labUp(ctx.rt, lab, { progress: quiet, paths });
        runs[side].push({ wallMs: r.wallMs, phases: r.phases });
        // With the lab's hosts recorded, as every later command sees them.
        const rt = runtimeWithHosts(ctx.rt, ctx.configRoot);
        if (side === 'split') {
          rtt.overlay.push(await ping(rt, OVERLAY_PEER));
          rtt.bridge.push(await ping(rt, BRIDGE_PEER));
        }
        await labDown(rt, LAB, quiet, images.router);
        forgetHosts(ctx.configRoot, LAB);
        ctx.log.step('bench', side, `${i + 1}/${o.reps}: up ${r.wallMs} ms`);
      }
    }
    const result = {
      bench: 'swarm',
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, memGiB: Math.round((await import('node:os')).totalmem() / 2 ** 30) },
      lab: {
        name: LAB,
        hostsOf: 'h1: this engine (manager), h2: a Docker-in-Docker node on the same machine',
        crossing: ['t-eu--t-us', 'gru--eb-br', 'eb-br--t-us', 'collector LAN'],
      },
      reps: o.reps,
      once,
      oneHost: { wallMs: series(runs.oneHost.map((r) => r.wallMs)), phasesMedianMs: medianPhases(runs.oneHost.map((r) => r.phases)) },
      split: { wallMs: series(runs.split.map((r) => r.wallMs)), phasesMedianMs: medianPhases(runs.split.map((r) => r.phases)) },
      // t-eu to t-us over the overlay, and to fra over a local bridge: 200 pings each, 20 ms apart, per rep.
      rtt,
      reproduce: `npm run bench -- swarm --reps ${o.reps}`,
    };
    const file = join(ctx.resultsDir, `swarm-${timestamp()}.json`);
    writeFileSync(file, `${JSON.stringify(versioned(result), null, 2)}\n`);
    return { ...result, file };
  } finally {
    await labDown(runtimeWithHosts(ctx.rt, ctx.configRoot), LAB, quiet, images.router).catch(() => undefined);
    forgetHosts(ctx.configRoot, LAB);
    await teardownSwarm(host, SWARM);
  }
}

function labFiles(node: DindNode): Record<'oneHost' | 'split', string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-swarm-'));
  const text = readFileSync(join(REPO_ROOT, 'labs', 'default.yaml'), 'utf8');
  const write = (name: string, hosts: boolean) => {
    const file = join(dir, name);
    writeFileSync(file, splitLabText(text, { name: LAB, nodeEndpoint: `unix://${node.socketPath}`, hosts }));
    return file;
  };
  return { oneHost: write('one-host.yaml', false), split: write('split.yaml', true) };
}

/** 200 pings from t-eu, 20 ms apart (4 s, bounded), inside the lab. */
async function ping(rt: ContainerRuntime, to: string): Promise<Rtt> {
  const r = await rt.exec(containerName(LAB, 't-eu'), ['ping', '-c', '200', '-i', '0.02', '-q', to], { timeoutMs: 30_000 });
  const m = /(\d+)% packet loss[\s\S]*= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(r.stdout);
  if (!m) throw new Error(`ping ${to} from t-eu: ${r.stdout}${r.stderr}`);
  return { lossPct: Number(m[1]), minMs: Number(m[2]), avgMs: Number(m[3]), maxMs: Number(m[4]) };
}

/** The human summary. */
export function renderSwarmBench(r: SwarmBenchResult): string {
  const p = (x: UpPhases) =>
    Object.entries(x)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const avg = (xs: Rtt[]) => series(xs.map((x) => x.avgMs)).median;
  return [
    `swarm: ${r.reps} reps; once: ${Object.entries(r.once)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  one host  up median ${r.oneHost.wallMs.median} ms; phases ${p(r.oneHost.phasesMedianMs)}`,
    `  split     up median ${r.split.wallMs.median} ms; phases ${p(r.split.phasesMedianMs)}`,
    `  rtt t-eu→t-us over the overlay ${avg(r.rtt.overlay)} ms, t-eu→fra over a bridge ${avg(r.rtt.bridge)} ms (median of per-rep averages)`,
    `  → ${r.file}`,
  ].join('\n');
}
