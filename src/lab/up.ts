// `lab up`: artifacts → images → networks → nodes → FRR config verified →
// converge → clients answered. Idempotent (unchanged nodes are kept), a failed
// or interrupted run removes what it made, every phase is timed, and every
// failure names its node (or network, or the lab) and step.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { assertIpv6Available } from '../host/ipv6.js';
import { renderRouter } from '../render/frr-config.js';
import { ensureImages } from '../runtime/ensure-images.js';
import { type Engine, enginesOf } from '../runtime/federation.js';
import { type ClientRoute, hostSetup, removeLabRules } from '../runtime/host-firewall.js';
import { containerName, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, NetworkSpec } from '../runtime/runtime.js';
import { parseLab } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import { mapConcurrent } from '../util/concurrency.js';
import { writeArtifacts } from './artifacts.js';
import { clientsUnansweredNow, waitClientsAnswered } from './clients-answer.js';
import { waitConverged } from './converge.js';
import { type FrrReady, waitFrrReady } from './frr-ready.js';
import { type Connect, labRuntime, setOverlayIpv6, shipImages } from './hosts-runtime.js';
import { labChanges } from './lab-changes.js';
import { type LabState, labStateOf, noteApplied, writeLabState } from './lab-state.js';
import { applyLinkDelays, assertNetemAvailable, linksWithDelay } from './link-delay.js';
import { hasChanges, type LabChanges, renderChanges } from './live-plan.js';
import { lockLab } from './lock.js';
import { describeOverrides } from './overrides.js';
import { creationOrder, type LabPlan, type NodePlan, planLab } from './plan.js';
import type { Progress } from './progress.js';
import { reconfigureRouter } from './reconfigure.js';
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
  /** How `up` reaches the engine of a host in the lab file's `hosts:` (default: a Docker client; tests pass fakes). */
  connect?: Connect;
  /** Containers created and started at once (default: see CONTAINER_CONCURRENCY). */
  concurrency?: number;
  /** This run brings back the last converged lab after a failed edit: it does not restore again. */
  restoring?: boolean;
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
  /** Kept routers whose links or frr.conf changed in place, and containers started again (not recreated). */
  reconfigured: string[];
  started: string[];
  /** What this run planned against what ran (`lab plan` prints the same). */
  changes: LabChanges;
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
  /** This run's plan against what ran (live-plan.ts). */
  changes: LabChanges;
  /** router → frr.conf it ran before this run (the base of an in-place change, and of its undo). */
  before: Record<string, string>;
  /** Routers changed in place (attachments or frr.conf) and started, by this run. */
  reconfigured: string[];
  started: string[];
  /** Started again by this run (unix ms, a second early for clock granularity): their FRR ready file must be newer. */
  startedAt: Map<string, number>;
}

type Images = Awaited<ReturnType<typeof ensureImages>>;

async function up(local: ContainerRuntime, lab: Lab, opts: UpOptions, wall0: number, at: () => number): Promise<UpResult> {
  const theLab = labSubject(lab.name);
  // Before rendering over them: what each router's frr.conf said (the base of an in-place change where no record has it).
  const onDisk = await renderedOnDisk(opts.paths.configRoot, lab.name);
  const { agentDir, configHashes } = await renderArtifacts(lab, opts, theLab);
  const images = await ensureLabImages(local, opts, theLab);
  const phases: Partial<UpPhases> = { images: at() };
  opts.signal?.throwIfAborted();

  await atStep(theLab, 'link delay check', () => assertNetemAvailable(local, lab, images.router));
  const plan = planLab(lab, images, { configRoot: opts.paths.configRoot, agentDir }, configHashes);
  // A lab on several hosts: one engine each, and the images on every one of them (one engine: `local` itself).
  const rt = await atStep(theLab, 'hosts', () => labRuntime(local, lab, plan, opts.paths.configRoot, opts.connect));
  await atStep(theLab, 'images', () => shipImages(rt, [images.router, images.client], opts.progress, opts.signal));
  const { changes, previous, running } = await atStep(theLab, 'plan', () => labChanges(rt, lab, { configRoot: opts.paths.configRoot, images, plan }));
  // A dual-stack lab with networks to make: refused, before anything is made, on a host that cannot make IPv6 ones.
  if (changes.networks.some((n) => n.action === 'add' || n.action === 'recreate')) await atStep(theLab, 'ipv6 check', () => assertIpv6Available(rt, lab));
  if (hasChanges(changes)) opts.progress.step('lab', 'plan', renderChanges(changes).split('\n')[0]);
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
    kept: changes.nodes.filter((n) => ['unchanged', 'start', 'reconfigure'].includes(n.action)).map((n) => n.node),
    removed: [],
    frrChecks: [],
    changes,
    before: { ...onDisk, ...Object.fromEntries(Object.entries(running).map(([r, f]) => [r, f.conf])) },
    reconfigured: [],
    started: [],
    startedAt: new Map(),
  };
  try {
    // Containers first: a network can only go once nothing uses it.
    await removeContainers(run);
    await detachNetworks(run);
    await reconcileNetworks(run);
    await attachNetworks(run);
    phases.networks = at();
    await startStopped(run);
    // Kept routers are checked too: a running lab whose config drifted is
    // repaired; one whose frr.conf changed is reconfigured in place first.
    for (const r of lab.routers) if (run.kept.includes(r.name)) verifyFrr(run, r.name, needsReconfigure(run, r.name));
    await createNodes(run);
    if (changedAnything(run)) await setupHost(run);
    await applyDelays(run);
    const frr = await frrVerified(run);
    const overrides = keptOverrides(run, frr);
    if (!opts.noWait) await converge(run, frr, overrides.length > 0);
    // Only a lab seen converged is one to come back to.
    if (!opts.noWait) await writeLabState(opts.paths.configRoot, labStateOf(lab, await readFile(lab.file, 'utf8').catch(() => ''), new Date()), lab.name);
    run.progress.step('lab', 'up', `${plan.nodes.length} nodes, ${plan.networks.length} networks`);
    return upResult(run, frr, overrides);
  } catch (err) {
    await rollbackRun(run);
    if (opts.signal?.aborted || !previous || opts.restoring || previous.text === (await readFile(lab.file, 'utf8').catch(() => undefined))) throw err;
    throw await restorePrevious(run, previous, err);
  }
}

/**
 * An `up` of an edited lab failed: bring back the lab that converged last
 * (its file's text as recorded), through `up` itself — it recreates what
 * this run removed, reconfigures back what it changed in place, and removes
 * what it added. The error says what failed and that the previous lab is
 * back, or, if that failed too, what is left.
 */
async function restorePrevious(run: UpRun, previous: LabState, err: unknown): Promise<LabError> {
  const { rt, lab, opts } = run;
  const failed = err instanceof Error ? err.message : String(err);
  const code = err instanceof LabError ? err.code : 'NODE_START';
  run.progress.step('lab', 'restore', `bringing back the lab as it converged at ${previous.at}`);
  try {
    const prevLab = parseLab(previous.text, previous.file);
    const t0 = performance.now();
    // The edit may have asked for a short deadline; the lab that worked gets the usual one.
    const timeoutMs = Math.max(opts.timeoutMs ?? 120_000, 120_000);
    await up(rt, prevLab, { ...opts, timeoutMs, restoring: true }, Date.now(), () => Math.round(performance.now() - t0));
    return new LabError(
      code,
      `${failed}\nThe previous lab is back: "${lab.name}" as it converged at ${previous.at} (${previous.file}), converged again, every client answered by its PoP. Nothing of this edit remains; fix the lab file and run up again.`,
      { cause: err },
    );
  } catch (again) {
    const left = await rt.listContainers({ [LABEL.lab]: lab.name }).catch(() => []);
    const nodes = left.filter((c) => c.labels[LABEL.kind] !== 'helper').map((c) => `${c.labels[LABEL.node]} (${c.state})`);
    return new LabError(
      code,
      `${failed}\nThe previous lab could not be brought back: ${(again as Error).message}\nWhat is left of lab "${lab.name}": ${nodes.join(', ') || 'nothing'}. Run \`npm run lab -- up ${previous.file}\` to try again, or \`down\` to remove it.`,
      { cause: err },
    );
  }
}

const needsReconfigure = (run: UpRun, router: string): boolean => {
  const c = run.changes.nodes.find((n) => n.node === router);
  return c?.action === 'reconfigure';
};

/** Each router's frr.conf as it was on disk, before this run rendered over it. */
async function renderedOnDisk(configRoot: string, labName: string): Promise<Record<string, string>> {
  const dir = join(configRoot, labName);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const conf = await readFile(join(dir, e.name, 'frr.conf'), 'utf8').catch(() => undefined);
    if (conf !== undefined) out[e.name] = conf;
  }
  return out;
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

/** Removes what the plan removes or recreates, and route helpers left by an interrupted run. */
async function removeContainers(run: UpRun): Promise<void> {
  const { rt, progress } = run;
  for (const n of run.changes.nodes.filter((x) => x.action === 'remove' || x.action === 'recreate')) {
    progress.step(n.node, 'remove', n.why);
    await atStep(nodeSubject(n.node), 'remove', () => rt.removeContainer(n.id!));
    run.removed.push(n.node);
  }
  for (const id of run.changes.staleHelpers) await rt.removeContainer(id).catch(() => undefined);
}

/** Links a kept router no longer has (or whose network is made anew) are detached before their network goes. */
async function detachNetworks(run: UpRun): Promise<void> {
  for (const n of run.changes.nodes.filter((x) => x.disconnect.length)) {
    const container = containerName(run.lab.name, n.node);
    for (const network of n.disconnect) {
      run.progress.step(n.node, 'detach', network);
      await atStep(nodeSubject(n.node), 'detach', () => run.rt.disconnectNetwork(container, network));
    }
  }
}

/** New links of a kept router, at their addresses; it keeps running (FRR sees a new interface). */
async function attachNetworks(run: UpRun): Promise<void> {
  for (const n of run.changes.nodes.filter((x) => x.connect.length)) {
    const container = containerName(run.lab.name, n.node);
    for (const att of n.connect) {
      run.progress.step(n.node, 'attach', `${att.network} ${att.ipv4}`);
      await atStep(nodeSubject(n.node), 'attach', () => run.rt.connectNetwork(container, att));
    }
    run.reconfigured.push(n.node);
  }
}

/** Removes networks the lab no longer has (or whose subnet changed) and creates the missing ones. */
async function reconcileNetworks(run: UpRun): Promise<void> {
  const { rt, lab, progress, signal } = run;
  for (const n of run.changes.networks.filter((x) => x.action === 'remove' || x.action === 'recreate')) {
    progress.step(n.name, 'remove network', n.why);
    await atStep(networkSubject(n.name), 'remove', () => rt.removeNetwork(n.id!));
  }
  const wanted = new Set(run.changes.networks.filter((x) => x.action === 'add' || x.action === 'recreate').map((x) => x.name));
  await mapConcurrent(
    run.plan.networks.filter((n) => wanted.has(n.name)),
    8,
    async (spec) => {
      signal?.throwIfAborted();
      progress.step(spec.labels[LABEL.node], 'network', `${spec.name} ${spec.subnet} (internal)`);
      if (await atStep(networkSubject(spec.name), 'create', () => createNetworkOrAdopt(rt, lab.name, spec))) run.created.networks.push(spec.name);
    },
  );
}

/**
 * Containers that stopped with their spec unchanged (a dockerd restart
 * stops them all) are started, not recreated: same addresses, and FRR reads
 * its frr.conf at start.
 */
async function startStopped(run: UpRun): Promise<void> {
  for (const n of run.changes.nodes.filter((x) => x.action === 'start')) {
    run.progress.step(n.node, 'start', n.why);
    // FRR reads the new frr.conf as it starts: noted for a rollback.
    if (n.frrChanged) await noteApplied(run.opts.paths.configRoot, run.lab.name, n.node, renderRouter(run.lab, n.node)['frr.conf']);
    const c = await run.rt.inspectContainer(n.id!);
    await atStep(nodeSubject(n.node), 'start', () => (c?.state === 'paused' ? run.rt.unpauseContainer(n.id!) : run.rt.startContainer(n.id!)));
    run.started.push(n.node);
    run.startedAt.set(n.node, Date.now() - 1000);
  }
}

/**
 * Starts the FRR-ready check of one router; awaited with the others in
 * frrVerified. `reconfigure`: its frr.conf changed while it runs: applied in
 * place first (and noted, so a rollback knows what it runs).
 */
function verifyFrr(run: UpRun, router: string, reconfigure = false): void {
  const { rt, lab, progress } = run;
  const p = (async () => {
    if (reconfigure) {
      // Noted before it is applied: a rollback must undo even half of it.
      await noteApplied(run.opts.paths.configRoot, lab.name, router, renderRouter(lab, router)['frr.conf']);
      if (!run.reconfigured.includes(router)) run.reconfigured.push(router);
      await atStep(nodeSubject(router), 'reconfigure', () => reconfigureRouter(rt, lab, router, run.before[router], progress));
    }
    const r = await atStep(nodeSubject(router), 'frr-ready', () =>
      waitFrrReady(rt, lab, containerName(lab.name, router), router, { deadlineMs: FRR_READY_DEADLINE_MS, progress, startedAt: run.startedAt.get(router) }),
    );
    progress.step(
      router,
      'config verified',
      r.daemonsMs !== undefined
        ? `FRR up in ${r.daemonsMs} ms, frr.conf applied in ${r.applyMs} ms${r.repaired ? `, repaired ${r.repaired}×` : ''}`
        : 'running config matches frr.conf',
    );
    return r;
  })();
  p.catch(() => undefined); // awaited in frrVerified; a rollback must not wait for it
  run.frrChecks.push(p);
}

/**
 * In creationOrder (routers with agents after the others, clients last);
 * each router's FRR check starts as soon as it is running, overlapping the
 * remaining starts.
 */
async function createNodes(run: UpRun): Promise<void> {
  const { lab, at } = run;
  const toCreate = run.plan.nodes.filter((n) => !run.kept.includes(n.node));
  const order = creationOrder(toCreate);
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

/** Anything new or restarted needs the host's rules and the clients' routes (a restarted client has Docker's default route again). */
const changedAnything = (run: UpRun): boolean => run.created.networks.length > 0 || run.created.containers.length > 0 || run.started.length > 0;

/**
 * While FRR starts: one helper in the host's namespaces writes the
 * DOCKER-USER rules transit traffic needs (BGP between neighbours does not)
 * and every client's default route, kept ones too (a run killed before this
 * step leaves them unset; replacing a route that is right changes nothing).
 * When nothing was created it is skipped, unless the clients cannot be
 * answered (see the repair in askClients).
 */
function setupHost(run: UpRun): Promise<void> {
  const engines = enginesOf(run.rt);
  return atStep(run.theLab, 'host setup', () =>
    Promise.all(
      engines.map(async (e) => {
        await setupOneHost(run, e, engines.length > 1);
        await overlaysIpv6(run, e);
      }),
    ).then(() => undefined),
  );
}

/** A lab on several hosts, dual-stack: the lab's IPv6 addresses on this host's overlay ends (Swarm does not give them). */
async function overlaysIpv6(run: UpRun, engine: Engine): Promise<void> {
  const out = await setOverlayIpv6(run.rt, run.plan, run.lab.name, run.images.router, engine);
  if (!out) return;
  run.progress.step(engine.name, 'overlay ipv6', "the lab's addresses and permanent neighbours on its overlay ends");
  reportNodeLines(run.progress, out, 'overlay', 'overlay ipv6');
}

/** A host helper's `<tag> <node>: <detail>` lines as progress steps of those nodes. */
function reportNodeLines(progress: Progress, out: string, tag: string, step: string): void {
  const re = new RegExp(`^${tag} (\\S+): (.*)$`);
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (m) progress.step(m[1], step, m[2]);
  }
}

/** One host's rules, for the lab networks on it, and the default routes of the clients it runs (a pid from its own engine). */
async function setupOneHost(run: UpRun, engine: Engine, several: boolean): Promise<void> {
  const { lab, progress } = run;
  const { rt } = engine;
  const all = await clientRoutes(rt, lab);
  // On one engine every client is here (pid 0 only if it is not running: the helper says so); on several, the others run elsewhere.
  const clients = several ? all.filter((c) => c.pid > 0) : all;
  const labNets = (await rt.listNetworks({ [LABEL.lab]: lab.name })).filter((n) => n.scope !== 'swarm');
  progress.step(
    several ? engine.name : 'lab',
    'host setup',
    `accept frames bridged within the ${labNets.length} lab bridges (DOCKER-USER${labNets.some((n) => n.subnet6) ? '; IPv6: ip6tables, nothing else in or out' : ''})${clients.length ? `; default routes of ${clients.length} clients` : ''}`,
  );
  const out = await hostSetup(
    rt,
    run.images.router,
    lab.name,
    labNets.map((n) => n.id),
    clients,
    labNets.filter((n) => n.subnet6).map((n) => n.id),
  );
  reportNodeLines(progress, out, 'route', 'route');
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
    c.fullPass || (c.polls === 0 && !changedAnything(run))
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
  const fresh = changedAnything(run);
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
    reconfigured: run.reconfigured,
    started: run.started,
    changes: run.changes,
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
  if (created.networks.length === run.plan.networks.length)
    // Best effort: the rollback's own failure must not hide the error that caused it; `down` removes the rules again.
    await Promise.all(enginesOf(rt).map((e) => removeLabRules(e.rt, run.images.router, lab.name).catch(() => undefined)));
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
        // A dual-stack network may collide on either family: a copy of a dual-stack lab with new IPv4 pools still has the IPv6 ones.
        const subnet6 = spec.ipv6?.subnet;
        const holder = (await rt.listNetworks({})).find((n) => n.subnet === spec.subnet || (subnet6 !== undefined && n.subnet6 === subnet6));
        const wanted = subnet6 ? `${spec.subnet} and ${subnet6}` : spec.subnet;
        const pools = subnet6 ? 'addressing.links / addressing.lans, addressing.links6 / addressing.lans6' : 'addressing.links / addressing.lans';
        throw new LabError(
          'NODE_START',
          `needs ${wanted}, but ${holder ? `Docker network "${holder.name}"${holder.labels[LABEL.lab] ? ` (lab "${holder.labels[LABEL.lab]}")` : ''} already uses it` : 'it overlaps a Docker network'}: ${msg}. Remove that network, or give this lab other address pools (${pools}).`,
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
    lab.clients.map(async (c) => ({
      node: c.name,
      pid: (await rt.inspectContainer(containerName(lab.name, c.name)))?.pid ?? 0,
      gateway: c.gateway,
      ...(c.ipv6 ? { gateway6: c.ipv6.gateway } : {}),
    })),
  );
}

async function rollback(rt: ContainerRuntime, lab: string, created: { networks: string[]; containers: string[] }) {
  await Promise.all(created.containers.map((id) => rt.removeContainer(id).catch(() => undefined)));
  // Helpers of this lab (client route setters) may have been interrupted mid-run.
  const helpers = await rt.listContainers({ [LABEL.lab]: lab, [LABEL.kind]: 'helper' }).catch(() => []);
  await Promise.all(helpers.map((h) => rt.removeContainer(h.id).catch(() => undefined)));
  for (const name of created.networks) await rt.removeNetwork(name).catch(() => undefined);
}
