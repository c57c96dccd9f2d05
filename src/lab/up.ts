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
import { type LabPlan, type NodePlan, planLab } from './plan.js';
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

/** One run of `up`: what every step reads, and what the steps made so far (for the result and the rollback). */
interface UpRun {
  rt: ContainerRuntime;
  lab: Lab;
  opts: UpOptions;
  progress: Progress;
  signal?: AbortSignal;
  theLab: string;
  at: () => number;
  wall0: number;
  images: Images;
  plan: LabPlan;
  phases: Partial<UpPhases>;
  created: { networks: string[]; containers: string[] };
  kept: string[];
  removed: string[];
  frrChecks: Promise<FrrReady>[];
}

type Images = Awaited<ReturnType<typeof ensureImages>>;

async function up(rt: ContainerRuntime, lab: Lab, opts: UpOptions, wall0: number, at: () => number): Promise<UpResult> {
  const theLab = labSubject(lab.name);
  const { agentDir, configHashes } = await renderArtifacts(lab, opts, theLab);
  const images = await ensureLabImages(rt, opts, theLab);
  const phases: Partial<UpPhases> = { images: at() };
  opts.signal?.throwIfAborted();

  await atStep(theLab, 'link delay check', () => assertNetemAvailable(rt, lab, images.router));
  const plan = planLab(lab, images, { configRoot: opts.paths.configRoot, agentDir }, configHashes);
  const run: UpRun = {
    rt,
    lab,
    opts,
    progress: opts.progress,
    signal: opts.signal,
    theLab,
    at,
    wall0,
    images,
    plan,
    phases,
    created: { networks: [], containers: [] },
    kept: [],
    removed: [],
    frrChecks: [],
  };
  try {
    // Containers first: a network can only go once nothing uses it.
    await reconcileContainers(run);
    await reconcileNetworks(run);
    phases.networks = at();
    // Kept routers are checked too: a running lab whose config drifted is repaired.
    for (const r of lab.routers) if (run.kept.includes(r.name)) verifyFrr(run, r.name);
    await createNodes(run);
    if (createdAnything(run)) await setupHost(run);
    await applyDelays(run);
    const frr = await frrVerified(run);
    const overrides = keptOverrides(run, frr);
    if (!opts.noWait) await converge(run, frr, overrides.length > 0);
    run.progress.step('lab', 'up', `${plan.nodes.length} nodes, ${plan.networks.length} networks`);
    return upResult(run, frr, overrides);
  } catch (err) {
    await rollbackRun(run);
    throw err;
  }
}

async function renderArtifacts(lab: Lab, opts: UpOptions, theLab: string) {
  opts.progress.step('lab', 'render', `FRR configs into ${join(opts.paths.configRoot, lab.name)}, agents into dist/agent`);
  return atStep(theLab, 'render', () => writeArtifacts(lab, opts.paths.configRoot));
}

function ensureLabImages(rt: ContainerRuntime, opts: UpOptions, theLab: string): Promise<Images> {
  return atStep(theLab, 'images', () =>
    ensureImages(rt, {
      onProgress: (ev) => opts.progress.step(`img:${ev.image}`, ev.step, ev.detail),
      signal: opts.signal,
    }),
  );
}

/** Keeps a running container whose config hash is what the plan wants; removes the rest (helpers only when their node is gone). */
async function reconcileContainers(run: UpRun): Promise<void> {
  const { rt, lab, progress } = run;
  const existing = await atStep(run.theLab, 'reconcile', () => rt.listContainers({ [LABEL.lab]: lab.name }));
  const wanted = new Map(run.plan.nodes.map((n) => [n.spec.name, n]));
  for (const c of existing) {
    const want = wanted.get(c.name);
    const same = want && c.labels[LABEL.configHash] === want.spec.labels[LABEL.configHash] && c.state === 'running';
    if (same) run.kept.push(c.labels[LABEL.node]);
    else if (c.labels[LABEL.kind] !== 'helper' || !want) {
      const node = c.labels[LABEL.node] ?? c.name;
      progress.step(node, 'remove', want ? 'configuration changed' : 'no longer in the lab file');
      await atStep(nodeSubject(node), 'remove', () => rt.removeContainer(c.id));
      run.removed.push(node);
    }
  }
}

/** Removes networks the lab no longer has (or whose subnet changed) and creates the missing ones. */
async function reconcileNetworks(run: UpRun): Promise<void> {
  const { rt, lab, progress, signal } = run;
  const nets = await atStep(run.theLab, 'reconcile', () => rt.listNetworks({ [LABEL.lab]: lab.name }));
  const wantedNets = new Map(run.plan.networks.map((n) => [n.name, n]));
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
    if (await atStep(networkSubject(spec.name), 'create', () => createNetworkOrAdopt(rt, lab.name, spec))) run.created.networks.push(spec.name);
  });
}

/** Starts the FRR-ready check of one router; awaited with the others in frrVerified. */
function verifyFrr(run: UpRun, router: string): void {
  const { rt, lab, progress } = run;
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
  p.catch(() => undefined); // awaited in frrVerified; a rollback must not wait for it
  run.frrChecks.push(p);
}

/**
 * Routers before clients, so BGP begins sooner; each router's FRR check
 * starts as soon as it is running, overlapping the remaining starts.
 */
async function createNodes(run: UpRun): Promise<void> {
  const { lab, at } = run;
  const toCreate = run.plan.nodes.filter((n) => !run.kept.includes(n.node));
  const order = [...toCreate.filter((n) => n.role !== 'client'), ...toCreate.filter((n) => n.role === 'client')];
  let lastCreate = 0;
  await mapConcurrent(order, run.opts.concurrency ?? CONTAINER_CONCURRENCY, async (n: NodePlan) => {
    run.signal?.throwIfAborted();
    const id = await startNode(run.rt, n, run.progress, () => (lastCreate = at()), true);
    run.created.containers.push(id);
    // FRR runs in routers only (the collector runs GoBGP and is not waited for: an observer must not hold `up`).
    if (lab.routers.some((r) => r.name === n.node)) verifyFrr(run, n.node);
  });
  run.phases.create = lastCreate || at();
  run.phases.start = at();
}

const createdAnything = (run: UpRun): boolean => run.created.networks.length > 0 || run.created.containers.length > 0;

/**
 * While FRR starts: one helper in the host's namespaces writes the
 * DOCKER-USER rules transit traffic needs (BGP between neighbours does not)
 * and every client's default route, kept ones too (a run killed before this
 * step leaves them unset; replacing a route that is right changes nothing).
 * When nothing was created it is skipped, unless the clients cannot be
 * answered (see the repair in askClients).
 */
function setupHost(run: UpRun): Promise<void> {
  const { rt, lab, progress } = run;
  return atStep(run.theLab, 'host setup', async () => {
    const clients = await clientRoutes(rt, lab);
    const labNets = await rt.listNetworks({ [LABEL.lab]: lab.name });
    progress.step(
      'lab',
      'host setup',
      `accept frames bridged within the ${labNets.length} lab bridges (DOCKER-USER)${clients.length ? `; default routes of ${clients.length} clients` : ''}`,
    );
    const out = await hostSetup(
      rt,
      run.images.router,
      lab.name,
      labNets.map((n) => n.id),
      clients,
    );
    for (const line of out.split('\n')) {
      const m = /^route (\S+): (.*)$/.exec(line);
      if (m) progress.step(m[1], 'route', m[2]);
    }
  });
}

async function applyDelays(run: UpRun): Promise<void> {
  const delayed = linksWithDelay(run.lab);
  if (!delayed.length) return;
  run.progress.step('lab', 'delay', delayed.map((l) => `${l.name} ${l.delayMs} ms`).join(', '));
  await atStep(run.theLab, 'link delay', () => applyLinkDelays(run.rt, run.lab));
}

/** Every router's FRR check done; marks when the last was ready and verified. */
async function frrVerified(run: UpRun): Promise<FrrReady[]> {
  const frr = await Promise.all(run.frrChecks);
  const { phases, wall0 } = run;
  phases.configVerified = run.at();
  // The moment the last router's FRR was ready, by its own clock (shared with ours).
  phases.frrReady = Math.min(phases.configVerified, Math.max(phases.start ?? 0, ...frr.map((f) => (f.readyAt ?? wall0) - wall0)));
  return frr;
}

/** Kept routers may carry live overrides: kept too, and they move catchment on purpose. */
function keptOverrides(run: UpRun, frr: FrrReady[]): string[] {
  const keptRouters = run.lab.routers.map((r) => r.name).filter((r) => run.kept.includes(r));
  // Each FRR check read them with the running config, in the same exec.
  const keptFrr = frr.filter((f) => keptRouters.includes(f.router));
  const overrides = describeOverrides({ policy: keptFrr.flatMap((f) => f.overrides), drained: keptFrr.filter((f) => f.drained).map((f) => f.router) });
  if (overrides.length) {
    run.progress.step('lab', 'overrides', `keeping ${overrides.length} live (${overrides.join('; ')}); clients may be answered by any PoP (undo: up --reset)`);
  }
  return overrides;
}

/**
 * BGP, BFD and routes on every router, then the clients answered. Clients are
 * asked once every router has its routes, while BFD may still be coming up:
 * the two waits overlap instead of adding up.
 */
async function converge(run: UpRun, frr: FrrReady[], anyPop: boolean): Promise<void> {
  const { rt, lab, progress, signal, opts, at, theLab } = run;
  progress.step('lab', 'converge', 'waiting for BGP Established, BFD up and routes to the anycast prefix');
  const base = at();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let clients: Promise<void> | undefined;
  const startClients = () => {
    clients ??= askClients(run, anyPop);
    clients.catch(() => undefined); // awaited below
  };
  // Each router's FRR-ready check read its state too: the first look.
  const initial = new Map(frr.flatMap((f) => (f.state ? [[f.router, f.state] as const] : [])));
  const c = await atStep(theLab, 'converge', () => waitConverged(rt, lab, { timeoutMs, progress, signal, confirm: false, initial, onRoutes: startClients }));
  Object.assign(run.phases, { bgpEstablished: base + c.bgp, bfdUp: base + c.bfd, routesInstalled: base + c.route });
  startClients();
  await Promise.all([
    // Every router once more (nothing flapped meanwhile) while the clients
    // are asked, unless the last look was that full pass already: a poll of
    // every router, or, when nothing was created, the FRR checks that read
    // every router at once a moment ago.
    c.fullPass || (c.polls === 0 && !createdAnything(run))
      ? undefined
      : atStep(theLab, 'converge', () =>
          waitConverged(rt, lab, { timeoutMs: Math.max(30_000, timeoutMs - (at() - base)), progress: { step: () => undefined }, signal }),
        ),
    clients,
  ]);
  run.phases.clientsAnswered = at();
}

async function askClients(run: UpRun, anyPop: boolean): Promise<void> {
  const { rt, lab, progress, signal, theLab } = run;
  const fresh = createdAnything(run);
  // Nothing created: one quick look at the clients tells whether a run killed
  // before its host setup left them without routes or rules.
  const unanswered = fresh ? lab.clients.map((c) => c.name) : await atStep(theLab, 'clients answered', () => clientsUnansweredNow(rt, lab, { anyPop }));
  if (!fresh && unanswered.length) {
    progress.step(
      'lab',
      'repair',
      `${unanswered.join(', ')} not answered as expected in a lab where nothing changed; re-applying host rules and client routes`,
    );
    await setupHost(run);
  }
  if (unanswered.length) await atStep(theLab, 'clients answered', () => waitClientsAnswered(rt, lab, { timeoutMs: 30_000, progress, signal, anyPop }));
}

function upResult(run: UpRun, frr: FrrReady[], overrides: string[]): UpResult {
  const { phases } = run;
  const fill = (k: keyof UpPhases) => phases[k] ?? phases.configVerified ?? 0;
  return {
    lab: run.lab.name,
    created: run.created,
    kept: run.kept,
    removed: run.removed,
    images: run.images,
    repaired: frr.filter((f) => f.repaired).map((f) => f.router),
    overrides,
    phases: Object.fromEntries(
      (['images', 'networks', 'create', 'start', 'frrReady', 'configVerified', 'bgpEstablished', 'bfdUp', 'routesInstalled', 'clientsAnswered'] as const).map(
        (k) => [k, fill(k)],
      ),
    ) as unknown as UpPhases,
    frr: frr.map(({ router, daemonsMs, applyMs }) => ({ router, daemonsMs, applyMs })),
    wallMs: run.at(),
  };
}

/** A failed or interrupted run removes what it made. */
async function rollbackRun(run: UpRun): Promise<void> {
  const { created, rt, lab } = run;
  run.progress.step(
    'lab',
    'rollback',
    `${run.signal?.aborted ? 'interrupted; ' : ''}removing ${created.containers.length} containers and ${created.networks.length} networks created by this run`,
  );
  await rollback(rt, lab.name, created);
  if (created.networks.length === run.plan.networks.length) await removeLabRules(rt, run.images.router, lab.name).catch(() => undefined);
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
