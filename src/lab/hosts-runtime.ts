// A lab file with `hosts:` runs through a FederatedRuntime: one Engine API
// client per host. This module builds it from the lab and its placement,
// ships the lab's images to hosts that lack them (`docker save | docker
// load`: no registry is assumed), and records what runs where beside the
// lab's configs, so later commands (`status`, `failover`, `down`, …) reach
// every host without the lab file. A lab without `hosts:` never comes here:
// one engine, local bridges, exactly as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LabError } from '../errors.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { type Engine, FederatedRuntime, type HostRoutes, isOverlay } from '../runtime/federation.js';
import { type OverlayEnd, overlayIpv6Setup } from '../runtime/host-firewall.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { dockerFor } from '../runtime/swarm/engine.js';
import type { Endpoint, Host, LabHosts } from '../topology/hosts.js';
import type { Lab } from '../topology/model.js';
import { placeLab } from '../topology/placement.js';
import type { LabPlan } from './plan.js';
import type { Progress } from './progress.js';

const HOSTS_FILE = 'hosts.json';

/** What a later command needs to reach a running lab's hosts. */
interface HostsRecord {
  routes: HostRoutes;
  hosts: Host[];
}

/** The engine this process talks to when no host is named: DOCKER_HOST, else the default socket. */
const localEndpoint = (): string => process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';

/** Pure: which host runs each node and container, and the hosts each network's members run on. */
export function hostRoutes(lab: Lab, hosts: LabHosts, plan: LabPlan): HostRoutes {
  const placement = placeLab(lab, hosts);
  const nodes = { ...placement.host };
  const networks: Record<string, string[]> = {};
  const order = hosts.hosts.map((h) => h.name);
  for (const n of plan.nodes) {
    for (const att of n.spec.networks ?? []) {
      const on = networks[att.network] ?? [];
      if (!on.includes(nodes[n.node])) networks[att.network] = [...on, nodes[n.node]];
    }
  }
  for (const name of Object.keys(networks)) networks[name].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const containers = Object.fromEntries(Object.entries(nodes).map(([node, host]) => [containerName(lab.name, node), host]));
  return { lab: lab.name, manager: hosts.manager, nodes, networks, containers };
}

/** One node's end of a dual-stack overlay, as the plan addresses it (the pid comes from its host's engine). */
export type PlannedOverlayEnd = Omit<OverlayEnd, 'pid'>;

/** Pure: the ends on `host` of every overlay that carries IPv6, each with the other members of its network. */
export function overlayEndsOn(plan: LabPlan, routes: HostRoutes, host: string): PlannedOverlayEnd[] {
  const prefix = new Map(plan.networks.filter((n) => n.ipv6).map((n) => [n.name, n.ipv6!.subnet.split('/')[1]]));
  const members = new Map<string, { node: string; ipv4: string; ipv6: string }[]>();
  for (const n of plan.nodes)
    for (const a of n.spec.networks ?? [])
      if (a.ipv6 && prefix.has(a.network) && isOverlay(routes, a.network))
        members.set(a.network, [...(members.get(a.network) ?? []), { node: n.node, ipv4: a.ipv4, ipv6: a.ipv6 }]);
  const ends: PlannedOverlayEnd[] = [];
  for (const [network, ms] of members)
    for (const m of ms.filter((x) => routes.nodes[x.node] === host))
      ends.push({
        node: m.node,
        ipv4: m.ipv4,
        ipv6: `${m.ipv6}/${prefix.get(network)}`,
        peers: ms.filter((x) => x !== m).map((x) => ({ ipv4: x.ipv4, ipv6: x.ipv6 })),
      });
  return ends;
}

/**
 * The lab's IPv6 addresses on one host's overlay ends (Swarm does not give
 * them: host-firewall.ts says why), through one helper on that host: every
 * end there, or only those of `nodes` (after a fault's restore: a recreated
 * container has none, and an interface set down and up again has lost its
 * permanent neighbours). The helper's output, or undefined when there is
 * nothing to do (one engine, or an IPv4-only lab).
 */
export async function setOverlayIpv6(
  rt: ContainerRuntime,
  plan: LabPlan,
  lab: string,
  image: string,
  engine: Engine,
  nodes?: readonly string[],
): Promise<string | undefined> {
  const routes = rt instanceof FederatedRuntime ? rt.routesFor(lab) : undefined;
  const planned = routes ? overlayEndsOn(plan, routes, engine.name).filter((e) => !nodes || nodes.includes(e.node)) : [];
  if (!planned.length) return undefined;
  const ends = await Promise.all(planned.map(async (p) => ({ ...p, pid: (await engine.rt.inspectContainer(containerName(lab, p.node)))?.pid ?? 0 })));
  return overlayIpv6Setup(engine.rt, image, lab, ends);
}

/** TLS paths made absolute (the lab file's directory), so the record works from any working directory. */
function absoluteHosts(hosts: Host[], labFile: string): Host[] {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dirname(labFile), p));
  return hosts.map((h) =>
    h.engine.kind === 'tcp'
      ? { ...h, engine: { ...h.engine, tls: { ca: abs(h.engine.tls.ca), cert: abs(h.engine.tls.cert), key: abs(h.engine.tls.key) } } }
      : h,
  );
}

const sameEndpoint = (e: Endpoint, text: string): boolean => e.kind === 'unix' && `unix://${e.socketPath}` === text;

/** How a host's engine is reached: its own Engine API client (tests pass fakes). */
export type Connect = (host: Host) => ContainerRuntime;
const dockerConnect: Connect = (h) => new DockerRuntime(dockerFor(h.engine), false);

/** The engines of these hosts: the local one is `local` itself (it shares this machine's /proc); the others get a client each. */
function enginesFor(local: ContainerRuntime, hosts: Host[], connect: Connect): Engine[] {
  const here = hosts.find((h) => sameEndpoint(h.engine, localEndpoint()));
  const others = hosts.filter((h) => h !== here).map((h) => ({ name: h.name, rt: connect(h) }));
  // The orchestrator's own engine comes first: images are built there. It need not run any node.
  return [{ name: here?.name ?? 'local', rt: local }, ...others];
}

/**
 * The runtime for `up` of a lab with `hosts:`: every host answers (else the
 * run stops before anything is made, naming the host), and the record is
 * written first, so even a crashed `up` leaves what `down` needs.
 */
export async function labRuntime(given: ContainerRuntime, lab: Lab, plan: LabPlan, configRoot: string, connect = dockerConnect): Promise<ContainerRuntime> {
  // The CLI's runtime is itself a federation while any lab runs on several hosts: this lab starts from the local engine alone.
  const local = given instanceof FederatedRuntime ? given.primary.rt : given;
  if (!lab.hosts) return local;
  const hosts = absoluteHosts(lab.hosts.hosts, lab.file);
  const routes = hostRoutes(lab, lab.hosts, plan);
  const engines = enginesFor(local, hosts, connect);
  await Promise.all(
    engines.map((e) =>
      e.rt.ping().catch((err: Error) => {
        throw new LabError('HOST', `host ${e.name} (${hosts.find((h) => h.name === e.name)?.endpoint ?? localEndpoint()}): ${err.message}`, { cause: err });
      }),
    ),
  );
  writeRecord(configRoot, { routes, hosts });
  return new FederatedRuntime(engines, [routes]);
}

/** The lab's images on every host: loaded from the orchestrator's engine into each one that lacks them. */
export async function shipImages(rt: ContainerRuntime, refs: readonly string[], progress: Progress, signal?: AbortSignal): Promise<string[]> {
  if (!(rt instanceof FederatedRuntime)) return [];
  const shipped: string[] = [];
  for (const e of rt.engines.slice(1)) {
    const missing = (await Promise.all(refs.map(async (r) => ((await e.rt.inspectImage(r)) ? undefined : r)))).filter((r): r is string => !!r);
    if (!missing.length) continue;
    progress.step(e.name, 'images', `loading ${missing.join(', ')} (docker save | docker load)`);
    await e.rt.loadImages(await rt.primary.rt.saveImages(missing, signal), signal);
    shipped.push(e.name);
  }
  return shipped;
}

function writeRecord(configRoot: string, record: HostsRecord): void {
  const dir = join(configRoot, record.routes.lab);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, HOSTS_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** After `down`: the lab runs nowhere any more. */
export function forgetHosts(configRoot: string, lab: string | undefined): void {
  for (const l of lab ? [lab] : labDirs(configRoot)) rmSync(join(configRoot, l, HOSTS_FILE), { force: true });
}

/** The labs with configs under configRoot: its directories (frr-configs/ also holds a README.md). */
function labDirs(configRoot: string): string[] {
  if (!existsSync(configRoot)) return [];
  return readdirSync(configRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/**
 * The runtime every command gets: the local engine, plus the hosts of every
 * running lab that has them (their records under configRoot). With none,
 * the local runtime itself, unchanged.
 */
export function runtimeWithHosts(local: ContainerRuntime, configRoot: string, connect = dockerConnect): ContainerRuntime {
  const records: HostsRecord[] = [];
  for (const l of labDirs(configRoot)) {
    const file = join(configRoot, l, HOSTS_FILE);
    if (existsSync(file)) records.push(JSON.parse(readFileSync(file, 'utf8')) as HostsRecord);
  }
  if (!records.length) return local;
  const byName = new Map<string, Host>();
  // A unix socket that is gone is an engine that is gone (a test's Docker-in-Docker node removed): nothing
  // there to reach, and a client for it would fail every command on every lab.
  const reachable = (h: Host) => h.engine.kind !== 'unix' || existsSync(h.engine.socketPath);
  for (const r of records) for (const h of r.hosts) if (reachable(h)) byName.set(h.name, h);
  return new FederatedRuntime(
    enginesFor(local, [...byName.values()], connect),
    records.map((r) => r.routes),
  );
}
