// A lab spread over several Docker engines, behind the one ContainerRuntime
// interface: every container is created, started, paused, killed and exec'd
// through its own host's Engine API (so every fault mode works unchanged on
// every host), a link whose ends share a host is a bridge on that host, and
// a link that crosses hosts is a Swarm overlay made through the manager.
// What runs where is a lab's `HostRoutes` (lab/hosts-runtime.ts writes them
// from the placement); listing is the union over every engine, so `status`,
// `down` and the faults find a lab's containers wherever they run.
import type { Readable } from 'node:stream';
import { LabError } from '../errors.js';
import { LABEL } from './labels.js';
import type { Attachment, ContainerRuntime, ContainerSpec, ContainerState, NetworkInfo, NetworkSpec } from './runtime.js';

/** One host's engine. The first engine of a federation is the orchestrator's own: images are built there. */
export interface Engine {
  name: string;
  rt: ContainerRuntime;
}

/** Where one lab's nodes and networks run (serialisable: kept beside the lab's configs while it runs). */
export interface HostRoutes {
  lab: string;
  /** The Swarm manager: every overlay is created through it. */
  manager: string;
  /** node name → host name */
  nodes: Record<string, string>;
  /** Docker network name → the hosts its members run on (more than one: an overlay). */
  networks: Record<string, string[]>;
  /** Docker container name → host name (containerName(lab, node) of every node). */
  containers: Record<string, string>;
}

/** A network whose members run on more than one host: a Swarm overlay, IPv4 to Docker. */
export const isOverlay = (routes: HostRoutes | undefined, network: string): boolean => (routes?.networks[network]?.length ?? 0) > 1;

export class FederatedRuntime implements ContainerRuntime {
  private readonly byName: Map<string, Engine>;
  /** Container id or name → its engine, learnt from create and list. */
  private readonly where = new Map<string, Engine>();

  constructor(
    readonly engines: readonly Engine[],
    private readonly routes: readonly HostRoutes[],
  ) {
    if (!engines.length) throw new Error('a federation needs at least one engine');
    this.byName = new Map(engines.map((e) => [e.name, e]));
    // A host without an engine here is one that is gone (runtimeWithHosts leaves it out): its containers are not reachable.
    for (const r of routes)
      for (const [container, host] of Object.entries(r.containers)) {
        const e = this.byName.get(host);
        if (e) this.where.set(container, e);
      }
  }

  /** The orchestrator's own engine: images, helpers without a host. */
  get primary(): Engine {
    return this.engines[0];
  }

  private engine(host: string): Engine {
    const e = this.byName.get(host);
    if (!e) throw new Error(`host "${host}" has no engine in this federation (engines: ${[...this.byName.keys()].join(', ')})`);
    return e;
  }

  private routesOf(labels: Record<string, string>): HostRoutes | undefined {
    return this.routesFor(labels[LABEL.lab]);
  }

  /** What runs where, for one lab on these engines. */
  routesFor(lab: string | undefined): HostRoutes | undefined {
    return this.routes.find((r) => r.lab === lab);
  }

  /** The engine that runs a container: learnt, else asked of each engine in turn. */
  private async locate(idOrName: string): Promise<Engine> {
    const known = this.where.get(idOrName);
    if (known) return known;
    for (const e of this.engines) {
      const c = await e.rt.inspectContainer(idOrName);
      if (c) {
        this.where.set(idOrName, e);
        this.where.set(c.id, e);
        return e;
      }
    }
    // Not found anywhere: the primary engine says so in its own words (404, "no such container").
    return this.primary;
  }

  private async on<T>(idOrName: string, f: (rt: ContainerRuntime) => Promise<T>): Promise<T> {
    const e = await this.locate(idOrName);
    return f(e.rt).catch((err: unknown) => {
      throw hostGone(e, err);
    });
  }

  async ping() {
    const [first] = await Promise.all(this.engines.map((e) => e.rt.ping()));
    return first;
  }

  // Images are built and kept on the orchestrator's engine; shipImages (lab/hosts-runtime.ts) copies them to the others.
  inspectImage = (ref: string) => this.primary.rt.inspectImage(ref);
  listImages = (reference: string) => this.primary.rt.listImages(reference);
  tagImage = (ref: string, repo: string, tag: string) => this.primary.rt.tagImage(ref, repo, tag);
  removeImage = (ref: string) => this.primary.rt.removeImage(ref);
  importImage: ContainerRuntime['importImage'] = (tar, spec, signal) => this.primary.rt.importImage(tar, spec, signal);
  saveImages = (refs: readonly string[], signal?: AbortSignal): Promise<Readable> => this.primary.rt.saveImages(refs, signal);
  loadImages = (tar: Readable, signal?: AbortSignal) => this.primary.rt.loadImages(tar, signal);
  buildImage: ContainerRuntime['buildImage'] = (spec, signal) => this.primary.rt.buildImage(spec, signal);

  /** On the one host its members run on; through the manager, as an overlay, when they run on several. */
  async createNetwork(spec: NetworkSpec): Promise<string> {
    const routes = this.routesOf(spec.labels);
    const hosts = routes?.networks[spec.name];
    if (!routes || !hosts?.length) return this.primary.rt.createNetwork(spec);
    if (hosts.length === 1) return this.engine(hosts[0]).rt.createNetwork(spec);
    return this.engine(routes.manager).rt.createNetwork({ ...spec, overlay: true });
  }

  /** Every engine's, once each: an overlay is listed by every node it reaches, under one id. */
  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    const all = (await Promise.all(this.engines.map((e) => e.rt.listNetworks(labels)))).flat();
    return [...new Map(all.map((n) => [n.id, n])).values()];
  }

  /**
   * A lab's network on the host its routes name (an overlay through the
   * manager), so a host that does not answer fails only its own networks'
   * removal; any other on whichever engine has it. Absent everywhere is not
   * an error.
   */
  async removeNetwork(idOrName: string): Promise<void> {
    const routes = this.routes.find((r) => r.networks[idOrName]?.length);
    const hosts = routes?.networks[idOrName];
    if (routes && hosts) {
      const e = this.engine(hosts.length > 1 ? routes.manager : hosts[0]);
      return e.rt.removeNetwork(idOrName).catch((err: unknown) => {
        throw hostGone(e, err);
      });
    }
    for (const e of this.engines) {
      const n = (await e.rt.listNetworks({})).find((x) => x.id === idOrName || x.name === idOrName);
      if (!n) continue;
      if (n.scope === 'swarm') {
        const manager = this.routes.find((r) => r.lab === n.labels[LABEL.lab])?.manager;
        await (manager ? this.engine(manager) : e).rt.removeNetwork(n.id);
        return;
      }
      await e.rt.removeNetwork(n.id);
    }
  }

  /** An overlay is IPv4 to Docker: the lab's IPv6 address on it is put on by the lab (overlayIpv6Script), not asked of Docker. */
  private dockerAttachment(lab: string | undefined, att: Attachment): Attachment {
    return isOverlay(this.routesFor(lab), att.network) ? { network: att.network, ipv4: att.ipv4 } : att;
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const host = this.routesOf(spec.labels)?.nodes[spec.labels[LABEL.node] ?? ''];
    const e = host ? this.engine(host) : this.primary;
    const lab = spec.labels[LABEL.lab];
    const id = await e.rt
      .createContainer(spec.networks ? { ...spec, networks: spec.networks.map((a) => this.dockerAttachment(lab, a)) } : spec)
      .catch((err: unknown) => {
        throw hostGone(e, err);
      });
    this.where.set(id, e);
    this.where.set(spec.name, e);
    return id;
  }

  async listContainers(labels: Record<string, string>) {
    const lists = await Promise.all(
      this.engines.map(async (e) => {
        const list = await e.rt.listContainers(labels);
        for (const c of list) {
          this.where.set(c.id, e);
          this.where.set(c.name, e);
        }
        return list;
      }),
    );
    return lists.flat();
  }

  async inspectContainer(idOrName: string): Promise<{ id: string; state: ContainerState; pid: number; labels: Record<string, string> } | undefined> {
    return this.on(idOrName, (rt) => rt.inspectContainer(idOrName));
  }

  startContainer = (id: string) => this.on(id, (rt) => rt.startContainer(id));
  removeContainer = (id: string) => this.on(id, (rt) => rt.removeContainer(id));
  connectNetwork: ContainerRuntime['connectNetwork'] = async (container, att) => {
    const lab = (await this.inspectContainer(container))?.labels[LABEL.lab];
    return this.on(container, (rt) => rt.connectNetwork(container, this.dockerAttachment(lab, att)));
  };
  disconnectNetwork = (container: string, network: string) => this.on(container, (rt) => rt.disconnectNetwork(container, network));
  pauseContainer = (id: string) => this.on(id, (rt) => rt.pauseContainer(id));
  unpauseContainer = (id: string) => this.on(id, (rt) => rt.unpauseContainer(id));
  killContainer = (id: string) => this.on(id, (rt) => rt.killContainer(id));
  exec: ContainerRuntime['exec'] = (id, cmd, opts) => this.on(id, (rt) => rt.exec(id, cmd, opts));
  execStream: ContainerRuntime['execStream'] = (id, cmd) => this.on(id, (rt) => rt.execStream(id, cmd));
  execAttached: ContainerRuntime['execAttached'] = (id, cmd, io) => this.on(id, (rt) => rt.execAttached(id, cmd, io));
  stats = (id: string) => this.on(id, (rt) => rt.stats(id));

  /** A helper of a lab's node runs on that node's host; any other on the orchestrator's. */
  runToCompletion: ContainerRuntime['runToCompletion'] = (spec, timeoutMs) => {
    const host = this.routesOf(spec.labels)?.nodes[spec.labels[LABEL.node] ?? ''];
    return (host ? this.engine(host) : this.primary).rt.runToCompletion(spec, timeoutMs);
  };

  /** Only the engine that shares this machine's /proc answers (DockerRuntime decides); the others get an exec. */
  hostPath = (idOrName: string, path: string) => this.on(idOrName, async (rt) => rt.hostPath?.(idOrName, path));
}

/** Socket-level failures: the engine did not answer at all, as opposed to answering with an error. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A host that dropped out names itself, and says what is left there: the
 * rollback cannot remove what it made on a host that does not answer.
 */
export function hostGone(e: Engine, err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (!(code && UNREACHABLE.has(code)) && !/socket hang up/.test(message)) return err;
  return new LabError(
    'HOST',
    `host ${e.name} stopped answering (${message}); what this lab has there stays until \`npm run lab -- down <lab file>\` reaches it again`,
    { cause: err },
  );
}

/** The engines behind a runtime: a federation's, or the one engine of a plain runtime. */
export function enginesOf(rt: ContainerRuntime): readonly Engine[] {
  return rt instanceof FederatedRuntime ? rt.engines : [{ name: 'local', rt }];
}
