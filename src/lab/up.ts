// `lab up`: artifacts → images → networks → nodes → FRR config verified →
// converge → clients answered. Idempotent (unchanged nodes are kept), a failed
// or interrupted run removes what it made, every phase is timed, and every
// failure names its node (or network, or the lab) and step.
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { ensureImages } from '../runtime/ensure-images.js';
import { type ClientRoute, hostSetup, removeLabRules } from '../runtime/host-firewall.js';
import { containerName, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, NetworkSpec } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { mapConcurrent } from '../util/concurrency.js';
import { writeArtifacts } from './artifacts.js';
import { clientsUnansweredNow, waitClientsAnswered } from './clients-answer.js';
import { waitConverged } from './converge.js';
import { type FrrReady, waitFrrReady } from './frr-ready.js';
import { applyLinkDelays, assertNetemAvailable, linksWithDelay } from './link-delay.js';
import { lockLab } from './lock.js';
import { describeOverrides } from './overrides.js';
import { type NodePlan, planLab } from './plan.js';
import type { Progress } from './progress.js';
import { startNode } from './start-node.js';
import { atStep, labSubject, networkSubject, nodeSubject } from './step-error.js';

export interface LabPaths {
  configRoot: string;
}

export interface UpOptions {
  progress: Progress;
  paths: LabPaths;
  timeoutMs?: number;
  /** Aborting (Ctrl-C) stops the run and removes what it created. */
  signal?: AbortSignal;
  /** Skip waiting for convergence (the failing-lab test still wants the wait). */
  noWait?: boolean;
  /** Containers created and started at once (default: see CONTAINER_CONCURRENCY). */
  concurrency?: number;
}

/**
 * Where the time went: ms since `up` started at which each phase was done.
 * Creating, starting and FRR start-up overlap per node; each mark is when the
 * last node finished that step.
 */
export interface UpPhases {
  images: number;
  networks: number;
  create: number;
  start: number;
  frrReady: number;
  configVerified: number;
  bgpEstablished: number;
  bfdUp: number;
  routesInstalled: number;
  clientsAnswered: number;
}

export interface UpResult {
  lab: string;
  created: { networks: string[]; containers: string[] };
  kept: string[];
  removed: string[];
  images: { router: string; client: string; built: string[] };
  /** Routers whose running config had drifted from frr.conf and was re-applied. */
  repaired: string[];
  /**
   * Live overrides kept on routers `up` left running (`lab policy`, `lab
   * withdraw`): with any, clients must be answered, by whichever PoP.
   */
  overrides: string[];
  phases: UpPhases;
  /** Per router, as measured inside the container by frr-start.sh. */
  frr: { router: string; daemonsMs?: number; applyMs?: number }[];
  wallMs: number;
}

/**
 * Docker create/start is CPU work in dockerd, containerd and runc; more in
 * flight than cores only makes each slower (measured: `npm run bench -- up`).
 */
export const CONTAINER_CONCURRENCY = 4;
const FRR_READY_DEADLINE_MS = 90_000;

export async function labUp(rt: ContainerRuntime, lab: Lab, opts: UpOptions): Promise<UpResult> {
  const t0 = performance.now();
  const wall0 = Date.now();
  const at = () => Math.round(performance.now() - t0);
  await rt.ping();
  const unlock = lockLab(lab.name, 'up');
  try {
    return await up(rt, lab, opts, wall0, at);
  } finally {
    unlock();
  }
}

async function up(rt: ContainerRuntime, lab: Lab, opts: UpOptions, wall0: number, at: () => number): Promise<UpResult> {
  const { progress, signal } = opts;
  const theLab = labSubject(lab.name);

  progress.step('lab', 'render', `FRR configs into ${join(opts.paths.configRoot, lab.name)}, agents into dist/agent`);
  const { agentDir, configHashes } = await atStep(theLab, 'render', () => writeArtifacts(lab, opts.paths.configRoot));

  const images = await atStep(theLab, 'images', () =>
    ensureImages(rt, {
      onProgress: (ev) => progress.step(`img:${ev.image}`, ev.step, ev.detail),
      signal,
    }),
  );
  const phases: Partial<UpPhases> = { images: at() };
  signal?.throwIfAborted();

  await atStep(theLab, 'link delay check', () => assertNetemAvailable(rt, lab, images.router));
  const plan = planLab(lab, images, { configRoot: opts.paths.configRoot, agentDir }, configHashes);

  const created = { networks: [] as string[], containers: [] as string[] };
  const kept: string[] = [];
  const removed: string[] = [];
  const frrChecks: Promise<FrrReady>[] = [];
  try {
    // Reconcile containers first: a network can only go once nothing uses it.
    const existing = await atStep(theLab, 'reconcile', () => rt.listContainers({ [LABEL.lab]: lab.name }));
    const wanted = new Map(plan.nodes.map((n) => [n.spec.name, n]));
    for (const c of existing) {
      const want = wanted.get(c.name);
      const same = want && c.labels[LABEL.configHash] === want.spec.labels[LABEL.configHash] && c.state === 'running';
      if (same) kept.push(c.labels[LABEL.node]);
      else if (c.labels[LABEL.kind] !== 'helper' || !want) {
        progress.step(c.labels[LABEL.node] ?? c.name, 'remove', want ? 'configuration changed' : 'no longer in the lab file');
        await atStep(nodeSubject(c.labels[LABEL.node] ?? c.name), 'remove', () => rt.removeContainer(c.id));
        removed.push(c.labels[LABEL.node] ?? c.name);
      }
    }
    const toCreate = plan.nodes.filter((n) => !kept.includes(n.node));

    const nets = await atStep(theLab, 'reconcile', () => rt.listNetworks({ [LABEL.lab]: lab.name }));
    const wantedNets = new Map(plan.networks.map((n) => [n.name, n]));
    for (const n of nets) {
      const want = wantedNets.get(n.name);
      if (!want || want.subnet !== n.subnet) {
        progress.step(n.labels[LABEL.node] ?? n.name, 'remove network', want ? 'subnet changed' : 'no longer in the lab file');
        await atStep(networkSubject(n.name), 'remove', () => rt.removeNetwork(n.id));
      } else wantedNets.delete(n.name);
    }
    await mapConcurrent([...wantedNets.values()], 8, async (spec) => {
      signal?.throwIfAborted();
      progress.step(spec.labels[LABEL.node], 'network', `${spec.name} ${spec.subnet} (internal)`);
      if (await atStep(networkSubject(spec.name), 'create', () => createNetworkOrAdopt(rt, lab.name, spec))) created.networks.push(spec.name);
    });
    phases.networks = at();

    // Kept routers are checked too: a running lab whose config drifted is repaired.
    const checkFrr = (router: string) => {
      const p = atStep(nodeSubject(router), 'frr-ready', () =>
        waitFrrReady(rt, lab, containerName(lab.name, router), router, { deadlineMs: FRR_READY_DEADLINE_MS, progress }),
      ).then((r) => {
        progress.step(
          router,
          'config verified',
          r.daemonsMs !== undefined
            ? `FRR up in ${r.daemonsMs} ms, frr.conf applied in ${r.applyMs} ms${r.repaired ? `, repaired ${r.repaired}×` : ''}`
            : 'running config matches frr.conf',
        );
        return r;
      });
      p.catch(() => undefined); // awaited below; a rollback must not wait for it
      frrChecks.push(p);
    };
    for (const r of lab.routers) if (kept.includes(r.name)) checkFrr(r.name);

    // Routers before clients, so BGP begins sooner; each router's FRR check
    // starts as soon as it is running, overlapping the remaining starts.
    const order = [...toCreate.filter((n) => n.role !== 'client'), ...toCreate.filter((n) => n.role === 'client')];
    let lastCreate = 0;
    await mapConcurrent(order, opts.concurrency ?? CONTAINER_CONCURRENCY, async (n: NodePlan) => {
      signal?.throwIfAborted();
      const id = await startNode(rt, n, progress, () => (lastCreate = at()), true);
      created.containers.push(id);
      // FRR runs in routers only (the collector runs GoBGP and is not waited for: an observer must not hold `up`).
      if (lab.routers.some((r) => r.name === n.node)) checkFrr(n.node);
    });
    phases.create = lastCreate || at();
    phases.start = at();

    // While FRR starts: one helper in the host's namespaces writes the
    // DOCKER-USER rules transit traffic needs (BGP between neighbours does not)
    // and every client's default route, kept ones too (a run killed before
    // this step leaves them unset; replacing a route that is right changes
    // nothing). When nothing was created it is skipped, unless the clients
    // cannot be answered (see the repair after convergence).
    const setupHost = () =>
      atStep(theLab, 'host setup', async () => {
        const clients = await clientRoutes(rt, lab);
        const labNets = await rt.listNetworks({ [LABEL.lab]: lab.name });
        progress.step(
          'lab',
          'host setup',
          `accept frames bridged within the ${labNets.length} lab bridges (DOCKER-USER)${clients.length ? `; default routes of ${clients.length} clients` : ''}`,
        );
        const out = await hostSetup(
          rt,
          images.router,
          lab.name,
          labNets.map((n) => n.id),
          clients,
        );
        for (const line of out.split('\n')) {
          const m = /^route (\S+): (.*)$/.exec(line);
          if (m) progress.step(m[1], 'route', m[2]);
        }
      });
    const createdAnything = created.networks.length > 0 || created.containers.length > 0;
    if (createdAnything) await setupHost();

    if (linksWithDelay(lab).length) {
      progress.step(
        'lab',
        'delay',
        linksWithDelay(lab)
          .map((l) => `${l.name} ${l.delayMs} ms`)
          .join(', '),
      );
      await atStep(theLab, 'link delay', () => applyLinkDelays(rt, lab));
    }

    const frr = await Promise.all(frrChecks);
    phases.configVerified = at();
    // The moment the last router's FRR was ready, by its own clock (shared with ours).
    phases.frrReady = Math.min(phases.configVerified, Math.max(phases.start, ...frr.map((f) => (f.readyAt ?? wall0) - wall0)));
    const repaired = frr.filter((f) => f.repaired).map((f) => f.router);
    // Kept routers may carry live overrides: kept too, and they move catchment on purpose.
    const keptRouters = lab.routers.map((r) => r.name).filter((r) => kept.includes(r));
    // Each FRR check read them with the running config, in the same exec.
    const keptFrr = frr.filter((f) => keptRouters.includes(f.router));
    const overrides = describeOverrides({ policy: keptFrr.flatMap((f) => f.overrides), drained: keptFrr.filter((f) => f.drained).map((f) => f.router) });
    if (overrides.length) {
      progress.step('lab', 'overrides', `keeping ${overrides.length} live (${overrides.join('; ')}); clients may be answered by any PoP (undo: up --reset)`);
    }
    const anyPop = overrides.length > 0;

    if (!opts.noWait) {
      progress.step('lab', 'converge', 'waiting for BGP Established, BFD up and routes to the anycast prefix');
      const base = at();
      const quiet = { step: () => undefined };
      // Clients are asked once every router has its routes, while BFD may
      // still be coming up: the two waits overlap instead of adding up.
      const askClients = async () => {
        // Nothing created: one quick look at the clients tells whether a run
        // killed before its host setup left them without routes or rules.
        const unanswered = createdAnything
          ? lab.clients.map((c) => c.name)
          : await atStep(theLab, 'clients answered', () => clientsUnansweredNow(rt, lab, { anyPop }));
        if (!createdAnything && unanswered.length) {
          progress.step(
            'lab',
            'repair',
            `${unanswered.join(', ')} not answered as expected in a lab where nothing changed; re-applying host rules and client routes`,
          );
          await setupHost();
        }
        if (unanswered.length) await atStep(theLab, 'clients answered', () => waitClientsAnswered(rt, lab, { timeoutMs: 30_000, progress, signal, anyPop }));
      };
      let clients: Promise<void> | undefined;
      const startClients = () => {
        clients ??= askClients();
        clients.catch(() => undefined); // awaited below
      };
      // Each router's FRR-ready check read its state too: the first look.
      const initial = new Map(frr.flatMap((f) => (f.state ? [[f.router, f.state] as const] : [])));
      const c = await atStep(theLab, 'converge', () =>
        waitConverged(rt, lab, { timeoutMs: opts.timeoutMs ?? 120_000, progress, signal, confirm: false, initial, onRoutes: startClients }),
      );
      Object.assign(phases, { bgpEstablished: base + c.bgp, bfdUp: base + c.bfd, routesInstalled: base + c.route });
      startClients();
      await Promise.all([
        // Every router once more (nothing flapped meanwhile) while the clients
        // are asked, unless the last look was that full pass already: a poll
        // of every router, or, when nothing was created, the FRR checks that
        // read every router at once a moment ago.
        c.fullPass || (c.polls === 0 && !createdAnything)
          ? undefined
          : atStep(theLab, 'converge', () =>
              waitConverged(rt, lab, { timeoutMs: Math.max(30_000, (opts.timeoutMs ?? 120_000) - (at() - base)), progress: quiet, signal }),
            ),
        clients,
      ]);
      phases.clientsAnswered = at();
    }
    progress.step('lab', 'up', `${plan.nodes.length} nodes, ${plan.networks.length} networks`);
    const fill = (k: keyof UpPhases) => phases[k] ?? phases.configVerified ?? 0;
    return {
      lab: lab.name,
      created,
      kept,
      removed,
      images,
      repaired,
      overrides,
      phases: Object.fromEntries(
        (['images', 'networks', 'create', 'start', 'frrReady', 'configVerified', 'bgpEstablished', 'bfdUp', 'routesInstalled', 'clientsAnswered'] as const).map(
          (k) => [k, fill(k)],
        ),
      ) as unknown as UpPhases,
      frr: frr.map(({ router, daemonsMs, applyMs }) => ({ router, daemonsMs, applyMs })),
      wallMs: at(),
    };
  } catch (err) {
    progress.step(
      'lab',
      'rollback',
      `${signal?.aborted ? 'interrupted; ' : ''}removing ${created.containers.length} containers and ${created.networks.length} networks created by this run`,
    );
    await rollback(rt, lab.name, created);
    if (created.networks.length === plan.networks.length) await removeLabRules(rt, images.router, lab.name).catch(() => undefined);
    throw err;
  }
}

/**
 * Creates a network; true if this run created it. A run killed a moment ago
 * may have left creates in flight that dockerd finishes now ("pool overlaps",
 * "already exists"): the network it made is exactly the one wanted, so it is
 * adopted. Anything else holding the subnet is named in the error.
 */
async function createNetworkOrAdopt(rt: ContainerRuntime, labName: string, spec: NetworkSpec): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rt.createNetwork(spec);
      return true;
    } catch (err) {
      const msg = (err as Error).message;
      if (!/overlap|already exists/i.test(msg)) throw new LabError('NODE_START', `${spec.subnet}: ${msg}`, { cause: err });
      const mine = (await rt.listNetworks({ [LABEL.lab]: labName })).find((n) => n.name === spec.name && n.subnet === spec.subnet);
      if (mine) return false;
      if (attempt >= 10) {
        const holder = (await rt.listNetworks({})).find((n) => n.subnet === spec.subnet);
        throw new LabError(
          'NODE_START',
          `needs ${spec.subnet}, but ${holder ? `Docker network "${holder.name}"${holder.labels[LABEL.lab] ? ` (lab "${holder.labels[LABEL.lab]}")` : ''} already uses it` : 'it overlaps a Docker network'}: ${msg}. Remove that network, or give this lab other address pools (addressing.links / addressing.lans).`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Every client of the lab with its host pid, for the host helper. */
async function clientRoutes(rt: ContainerRuntime, lab: Lab): Promise<ClientRoute[]> {
  return Promise.all(
    lab.clients.map(async (c) => ({ node: c.name, pid: (await rt.inspectContainer(containerName(lab.name, c.name)))?.pid ?? 0, gateway: c.gateway })),
  );
}

async function rollback(rt: ContainerRuntime, lab: string, created: { networks: string[]; containers: string[] }) {
  await Promise.all(created.containers.map((id) => rt.removeContainer(id).catch(() => undefined)));
  // Helpers of this lab (client route setters) may have been interrupted mid-run.
  const helpers = await rt.listContainers({ [LABEL.lab]: lab, [LABEL.kind]: 'helper' }).catch(() => []);
  await Promise.all(helpers.map((h) => rt.removeContainer(h.id).catch(() => undefined)));
  for (const name of created.networks) await rt.removeNetwork(name).catch(() => undefined);
}
