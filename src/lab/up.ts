// `lab up`: artifacts → images → networks → nodes → client routes → converge.
// Idempotent (unchanged nodes are kept), and a failed run removes what it made.
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { writeArtifacts } from './artifacts.js';
import { ensureImages } from '../runtime/images.js';
import { allowLabBridges, removeLabRules } from '../runtime/host-firewall.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { waitConverged } from './converge.js';
import { applyLinkDelays, assertNetemAvailable, linksWithDelay } from './link-delay.js';
import { planLab, type NodePlan } from './plan.js';
import type { Progress } from './progress.js';
import { mapConcurrent } from '../util/concurrency.js';
import { startNode } from './start-node.js';

export interface LabPaths {
  configRoot: string;
}

export interface UpOptions {
  progress: Progress;
  paths: LabPaths;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Skip waiting for convergence (the failing-lab test still wants the wait). */
  noWait?: boolean;
}

export interface UpResult {
  lab: string;
  created: { networks: string[]; containers: string[] };
  kept: string[];
  removed: string[];
  images: { router: string; client: string; built: string[] };
  wallMs: number;
}

const CONTAINER_CONCURRENCY = 6;

export async function labUp(rt: ContainerRuntime, docker: Dockerode, lab: Lab, opts: UpOptions): Promise<UpResult> {
  const t0 = performance.now();
  const { progress } = opts;
  await rt.ping();

  progress.step('lab', 'render', `FRR configs into ${join(opts.paths.configRoot, lab.name)}, agents into dist/agent`);
  const { agentDir, configHashes } = await writeArtifacts(lab, opts.paths.configRoot);

  const images = await ensureImages(docker, {
    onProgress: (ev) => progress.step(`img:${ev.image}`, ev.step, ev.detail),
    signal: opts.signal,
  });

  await assertNetemAvailable(rt, lab, images.router);
  const plan = planLab(lab, images, { configRoot: opts.paths.configRoot, agentDir }, configHashes);

  const created = { networks: [] as string[], containers: [] as string[] };
  const kept: string[] = [];
  const removed: string[] = [];
  try {
    // Reconcile containers first: a network can only go once nothing uses it.
    const existing = await rt.listContainers({ [LABEL.lab]: lab.name });
    const wanted = new Map(plan.nodes.map((n) => [n.spec.name, n]));
    const toCreate: NodePlan[] = [];
    for (const c of existing) {
      const want = wanted.get(c.name);
      const same = want && c.labels[LABEL.configHash] === want.spec.labels[LABEL.configHash] && c.state === 'running';
      if (same) kept.push(c.labels[LABEL.node]);
      else if (c.labels[LABEL.kind] !== 'helper' || !want) {
        progress.step(c.labels[LABEL.node] ?? c.name, 'remove', want ? 'configuration changed' : 'no longer in the lab file');
        await rt.removeContainer(c.id);
        removed.push(c.labels[LABEL.node] ?? c.name);
      }
    }
    for (const n of plan.nodes) if (!kept.includes(n.node)) toCreate.push(n);

    const nets = await rt.listNetworks({ [LABEL.lab]: lab.name });
    const wantedNets = new Map(plan.networks.map((n) => [n.name, n]));
    for (const n of nets) {
      const want = wantedNets.get(n.name);
      if (!want || want.subnet !== n.subnet) {
        progress.step(n.labels[LABEL.node] ?? n.name, 'remove network', want ? 'subnet changed' : 'no longer in the lab file');
        await rt.removeNetwork(n.id);
      } else wantedNets.delete(n.name);
    }
    await mapConcurrent([...wantedNets.values()], 8, async (spec) => {
      progress.step(spec.labels[LABEL.node], 'network', `${spec.name} ${spec.subnet} (internal)`);
      await rt.createNetwork(spec);
      created.networks.push(spec.name);
    });

    const labNets = await rt.listNetworks({ [LABEL.lab]: lab.name });
    progress.step('lab', 'host firewall', `accept frames bridged within the ${labNets.length} lab bridges (DOCKER-USER)`);
    await allowLabBridges(rt, images.router, lab.name, labNets.map((n) => n.id));

    // Routers before clients: a client's route helper needs its gateway's
    // namespace only logically, but starting routers first lets BGP begin sooner.
    const order = [...toCreate.filter((n) => n.role !== 'client'), ...toCreate.filter((n) => n.role === 'client')];
    await mapConcurrent(order, CONTAINER_CONCURRENCY, async (n) => {
      created.containers.push(await startNode(rt, n, progress));
    });

    if (linksWithDelay(lab).length) {
      progress.step('lab', 'delay', linksWithDelay(lab).map((l) => `${l.name} ${l.delayMs} ms`).join(', '));
      await applyLinkDelays(rt, lab);
    }

    if (!opts.noWait) {
      progress.step('lab', 'converge', 'waiting for BGP Established, BFD up and routes to the anycast prefix');
      await waitConverged(rt, lab, { timeoutMs: opts.timeoutMs ?? 120_000, progress, signal: opts.signal });
    }
  } catch (err) {
    progress.step('lab', 'rollback', `removing ${created.containers.length} containers and ${created.networks.length} networks created by this run`);
    await rollback(rt, lab.name, created);
    if (created.networks.length === plan.networks.length) await removeLabRules(rt, images.router, lab.name).catch(() => undefined);
    throw err;
  }
  progress.step('lab', 'up', `${plan.nodes.length} nodes, ${plan.networks.length} networks`);
  return { lab: lab.name, created, kept, removed, images, wallMs: Math.round(performance.now() - t0) };
}

async function rollback(rt: ContainerRuntime, lab: string, created: { networks: string[]; containers: string[] }) {
  await Promise.all(created.containers.map((id) => rt.removeContainer(id).catch(() => undefined)));
  // Helpers of this lab (client route setters) may have been interrupted mid-run.
  const helpers = await rt.listContainers({ [LABEL.lab]: lab, [LABEL.kind]: 'helper' }).catch(() => []);
  await Promise.all(helpers.map((h) => rt.removeContainer(h.id).catch(() => undefined)));
  for (const name of created.networks) await rt.removeNetwork(name).catch(() => undefined);
}
