// ContainerRuntime on dockerode. Every network is Internal: lab traffic never
// leaves the lab's own bridges (network safety rule).

import { type Duplex, PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import pRetry from 'p-retry';
import { LabError } from '../errors.js';
import { latestInOrder } from '../util/concurrency.js';
import { waitUntil } from '../util/wait.js';
import { ExecGate } from './exec-gate.js';
import type {
  AttachedIo,
  Attachment,
  BuildSpec,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  EngineVersion,
  ExecResult,
  ExecStream,
  ImageInfo,
  ImportSpec,
  NetworkInfo,
  NetworkSpec,
  TermSize,
} from './runtime.js';
import { overlayDynamicRange } from './swarm/overlay.js';

const labelFilter = (labels: Record<string, string>) => ({ label: Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)) });

/** The one place the engine connection is made (DOCKER_HOST etc. as dockerode reads them). */
export const createDockerRuntime = (): ContainerRuntime => new DockerRuntime();

export class DockerRuntime implements ContainerRuntime {
  private readonly gate = new ExecGate();

  /**
   * `sharesProc`: the engine runs on this machine in this pid namespace, so a
   * container's pid is a path under our /proc (hostPath). Not so for another
   * host, nor for an engine in a Docker-in-Docker node on this machine.
   */
  constructor(
    private readonly docker: Docker = new Docker(),
    private readonly sharesProc = /^(unix:|$)/.test(process.env.DOCKER_HOST ?? ''),
  ) {}

  async ping(): Promise<EngineVersion> {
    try {
      const v = await this.docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (err) {
      throw new LabError(
        'DOCKER_UNAVAILABLE',
        `cannot reach the Docker engine (${(err as Error).message}); run scripts/prepare-host.sh to install and start it, or check DOCKER_HOST`,
        { cause: err },
      );
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return { id: i.Id, sizeBytes: i.Size, labels: i.Config?.Labels ?? {}, tags: i.RepoTags ?? [] };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listImages(reference: string): Promise<ImageInfo[]> {
    const imgs = await this.docker.listImages({ filters: { reference: [reference] } });
    return imgs.map((i) => ({ id: i.Id, sizeBytes: i.Size, labels: i.Labels ?? {}, tags: i.RepoTags ?? [] }));
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    await this.docker.getImage(ref).tag({ repo, tag });
  }

  async removeImage(ref: string): Promise<void> {
    await ignoreNotFound(this.docker.getImage(ref).remove({ force: true }));
  }

  async importImage(tar: Readable, spec: ImportSpec, signal?: AbortSignal): Promise<void> {
    const stream = await this.docker.importImage(tar, { repo: spec.repo, tag: spec.tag, changes: spec.changes, abortSignal: signal } as object);
    await this.followAndCheck(stream);
  }

  async saveImages(refs: readonly string[], signal?: AbortSignal): Promise<Readable> {
    // One request for all refs (GET /images/get?names=…): layers shared between images are written once.
    // @types/dockerode lacks getImages; dockerode has it.
    const docker = this.docker as unknown as { getImages(opts: { names: string[] }): Promise<Readable> };
    const stream = await docker.getImages({ names: [...refs] });
    signal?.addEventListener('abort', () => stream.destroy(signal.reason as Error), { once: true });
    return stream;
  }

  async loadImages(tar: Readable, signal?: AbortSignal): Promise<void> {
    const stream = await this.docker.loadImage(tar, { abortSignal: signal } as object);
    await this.followAndCheck(stream);
  }

  async buildImage(spec: BuildSpec, signal?: AbortSignal): Promise<void> {
    const stream = await this.docker.buildImage({ context: spec.contextDir, src: spec.files }, {
      t: spec.ref,
      dockerfile: spec.dockerfile,
      labels: spec.labels,
      abortSignal: signal,
    } as Docker.ImageBuildOptions);
    await this.followAndCheck(stream);
  }

  /** Docker reports build/import errors inside a 200 response's JSON stream. */
  private followAndCheck(stream: NodeJS.ReadableStream): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => {
        if (err) return reject(err);
        const failed = (output as { error?: string; errorDetail?: { message?: string } }[]).find((o) => o.error || o.errorDetail);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve(output);
      });
    });
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    const net = await this.docker.createNetwork(networkCreateOptions(spec));
    return net.id;
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    const nets = await this.docker.listNetworks({ filters: labelFilter(labels) });
    return nets.map((n) => {
      const configs = n.IPAM?.Config ?? [];
      const subnet6 = n.EnableIPv6 ? configs.find((c) => c.Subnet?.includes(':'))?.Subnet : undefined;
      return {
        id: n.Id,
        name: n.Name,
        subnet: configs.find((c) => !c.Subnet?.includes(':'))?.Subnet ?? configs[0]?.Subnet,
        ...(subnet6 ? { subnet6 } : {}),
        labels: n.Labels ?? {},
        ...(n.Scope ? { scope: n.Scope } : {}),
      };
    });
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await ignoreNotFound(this.docker.getNetwork(idOrName).remove());
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const [first, ...rest] = spec.networks ?? [];
    const c = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Hostname: spec.hostname,
      Labels: spec.labels,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      HostConfig: {
        CapAdd: spec.capAdd,
        Sysctls: spec.sysctls,
        Binds: spec.binds,
        Tmpfs: spec.tmpfs,
        Init: spec.init,
        NetworkMode: spec.networkMode ?? first?.network ?? 'none',
        ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
        // `--security-opt systempaths=unconfined` as the API spells it.
        ...(spec.writableProcSys ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
      },
      NetworkingConfig: first ? { EndpointsConfig: { [first.network]: { IPAMConfig: ipamConfig(first) } } } : undefined,
    });
    // Engine API 1.41 (Docker 20.10) takes one network at create; the rest are
    // connected before start so the entrypoint sees every interface.
    for (const att of rest) {
      await this.docker.getNetwork(att.network).connect({ Container: c.id, EndpointConfig: { IPAMConfig: ipamConfig(att) } });
    }
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      // 304 "container already started": the goal state. It happens when a
      // killed `up` left its start request in flight in dockerd: the container
      // was "created" when the next `up` looked, running when it asked.
      if ((err as { statusCode?: number })?.statusCode !== 304) throw err;
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: labelFilter(labels) });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State as ContainerState,
      labels: c.Labels ?? {},
      image: c.Image,
      networks: Object.entries(c.NetworkSettings?.Networks ?? {}).map(([network, n]) => {
        const ipv6 = n.IPAMConfig?.IPv6Address || n.GlobalIPv6Address;
        return { network, ipv4: n.IPAMConfig?.IPv4Address || n.IPAddress || '', ...(ipv6 ? { ipv6 } : {}) };
      }),
    }));
  }

  async connectNetwork(container: string, att: Attachment): Promise<void> {
    await this.docker.getNetwork(att.network).connect({ Container: container, EndpointConfig: { IPAMConfig: ipamConfig(att) } });
  }

  async disconnectNetwork(container: string, network: string): Promise<void> {
    await this.docker.getNetwork(network).disconnect({ Container: container, Force: true });
  }

  async inspectContainer(idOrName: string) {
    try {
      const i = await this.docker.getContainer(idOrName).inspect();
      const s = i.State;
      const state: ContainerState = s.Paused ? 'paused' : s.Running ? 'running' : (s.Status as ContainerState);
      return { id: i.Id, state, pid: s.Pid, labels: i.Config.Labels ?? {} };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async hostPath(idOrName: string, path: string): Promise<string | undefined> {
    if (!this.sharesProc) return undefined;
    const c = await this.inspectContainer(idOrName);
    return c?.state === 'running' && c.pid > 0 ? `/proc/${c.pid}/root${path}` : undefined;
  }

  async removeContainer(id: string): Promise<void> {
    await ignoreNotFound(this.docker.getContainer(id).remove({ force: true, v: true }));
  }

  async pauseContainer(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    // runc (cgroup v1 freezer) gives up with "unable to freeze" when a task
    // will not freeze within its short retry loop (seen twice in a day of
    // test runs, pausing fra): the container is left running, so trying
    // again is safe; three tries, 100 ms apart.
    const tryPause = (): Promise<void> =>
      pRetry(() => c.pause(), {
        retries: 2,
        minTimeout: 100,
        maxTimeout: 100,
        shouldRetry: ({ error }) => /unable to freeze/.test(error.message),
      });
    await this.gate.pause(await gateKeys(c, id), `container ${id}`, tryPause);
  }

  async unpauseContainer(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    await this.gate.unpause(await gateKeys(c, id), () => c.unpause());
  }

  async killContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).kill();
  }

  async exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    return this.gate.exec(id, `${id}: ${cmd.join(' ')}`, () => this.execNow(id, cmd, opts));
  }

  private async execNow(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string }): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: opts.stdin !== undefined });
    const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (b: Buffer) => out.push(b));
    stderr.on('data', (b: Buffer) => err.push(b));
    this.docker.modem.demuxStream(stream, stdout, stderr);
    if (opts.stdin !== undefined) {
      stream.write(opts.stdin);
      // Half-close so the process sees EOF on stdin.
      (stream as unknown as { end: () => void }).end();
    }
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = opts.timeoutMs
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            stream.destroy();
            reject(new LabError('EXEC_TIMEOUT', `command timed out after ${opts.timeoutMs} ms: ${cmd.join(' ')}`));
          }, opts.timeoutMs);
        })
      : undefined;
    try {
      await (timeout ? Promise.race([ended, timeout]) : ended);
    } finally {
      if (timer) clearTimeout(timer);
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  async execStream(id: string, cmd: string[]): Promise<ExecStream> {
    // Gated until the process has started: a running process is simply frozen with the container.
    const { exec, stream } = await this.gate.exec(id, `${id}: ${cmd.join(' ')}`, async () => {
      const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      return { exec, stream: await exec.start({ hijack: true, stdin: false }) };
    });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const done = new Promise<number>((resolve, reject) => {
      const finish = async () => {
        stdout.end();
        stderr.end();
        try {
          resolve((await exec.inspect()).ExitCode ?? -1);
        } catch (e) {
          reject(e);
        }
      };
      stream.once('end', finish);
      stream.once('error', reject);
    });
    return { stdout, stderr, done };
  }

  async execAttached(id: string, cmd: string[], io: AttachedIo): Promise<number> {
    // Gated until started, like execStream: a shell left open must not hold off a `freeze` for as long as someone types.
    const { exec, socket } = await this.gate.exec(id, `${id}: ${cmd.join(' ')}`, async () => {
      const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, Tty: io.tty, AttachStdin: true, AttachStdout: true, AttachStderr: true });
      // `Tty` again at start: the engine multiplexes stdout and stderr into frames unless the start says TTY.
      return { exec, socket: (await exec.start({ hijack: true, stdin: true, Tty: io.tty })) as Duplex };
    });
    // A process that exits before reading all its input (`yes | lab exec fra -- head -1`) makes the connection fail
    // under our writes: that is its end, not ours, when the engine has its exit code.
    let failure: Error | undefined;
    const ended = new Promise<void>((resolve) => {
      socket.once('end', resolve);
      socket.once('close', resolve);
      socket.once('error', (err) => {
        failure = err;
        resolve();
      });
    });
    if (io.tty) socket.pipe(io.stdout, { end: false });
    else this.docker.modem.demuxStream(socket, io.stdout, io.stderr);
    // The input's end half-closes the connection: the engine closes the process's stdin (EOF), output keeps flowing.
    io.stdin.pipe(socket);
    const resize = (size: TermSize) => exec.resize({ h: size.rows, w: size.cols });
    let unsubscribe: (() => void) | undefined;
    if (io.tty) {
      // API 1.41 (Docker 20.10) takes no size at start: resized just after, retried as the docker CLI does while the
      // process starts. A failed resize is not the session's failure (a process that already ended has no TTY left).
      const size = io.size;
      if (size) await pRetry(() => resize(size), { retries: 4, minTimeout: 10, maxTimeout: 50 }).catch(() => undefined);
      // One resize at a time, ending on the newest size: a window dragged (or `stty rows R cols C`, two ioctls and two
      // SIGWINCHs) sends sizes in quick succession, and two requests in flight can reach the engine in either order,
      // leaving the older size. A failed resize is not the session's failure (as above).
      unsubscribe = io.onResize?.(latestInOrder(resize, () => undefined));
    }
    try {
      await ended;
    } finally {
      unsubscribe?.();
      io.stdin.unpipe(socket);
      socket.unpipe(io.stdout);
    }
    const code = await exitCodeOf(exec);
    if (code === undefined && failure) throw failure;
    return code ?? -1;
  }

  async runToCompletion(spec: ContainerSpec, timeoutMs = 60_000): Promise<ExecResult> {
    const id = await this.createContainer(spec);
    try {
      const c = this.docker.getContainer(id);
      await c.start();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        c.wait() as Promise<{ StatusCode: number }>,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new LabError('EXEC_TIMEOUT', `helper container ${spec.name} did not finish within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      const { stdout, stderr } = demuxBuffer(logs);
      return { exitCode: result.StatusCode, stdout, stderr };
    } finally {
      await this.removeContainer(id);
    }
  }

  async stats(id: string): Promise<{ memoryBytes: number }> {
    const s = (await this.docker.getContainer(id).stats({ stream: false })) as {
      memory_stats?: { usage?: number; stats?: { cache?: number; inactive_file?: number } };
    };
    const usage = s.memory_stats?.usage ?? 0;
    // Like `docker stats`: page cache is reclaimable and not the container's working set.
    const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
    return { memoryBytes: Math.max(0, usage - cache) };
  }
}

/**
 * Pure: the Engine API body of a lab network. Always internal, never
 * masqueraded; a dual-stack network gets EnableIPv6 and its /64 as a second
 * IPAM config (Docker's bridge takes the gateway, ::1), still internal.
 */
export function networkCreateOptions(spec: NetworkSpec): Docker.NetworkCreateOptions {
  const config = [{ Subnet: spec.subnet, Gateway: spec.gateway }, ...(spec.ipv6 ? [{ Subnet: spec.ipv6.subnet, Gateway: spec.ipv6.gateway }] : [])];
  if (spec.overlay)
    return {
      Name: spec.name,
      Driver: 'overlay',
      // Plain containers on any node join it by name; nothing leaves it.
      Attachable: true,
      Internal: true,
      CheckDuplicate: true,
      Labels: spec.labels,
      // IPv4 only. Swarm's IPv6 on overlays failed here (Docker 20.10, 2026-12-07): a static IPv6
      // address was not honoured, and nodes refused their load-balancer address ("Invalid address
      // …: It does not belong to any of this network's subnets"). A dual-stack lab's IPv6 on an
      // overlay is the routers' own (overlayIpv6Script): VXLAN carries any frame to a known MAC.
      // Swarm gives every node on an overlay a load-balancer address: keep those in the upper half, clear of the lab's static ones.
      IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway, IPRange: overlayDynamicRange(spec.subnet) }] },
    };
  return {
    Name: spec.name,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    ...(spec.ipv6 ? { EnableIPv6: true } : {}),
    Labels: spec.labels,
    IPAM: { Driver: 'default', Config: config },
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
  };
}

/** Pure: an endpoint's static addresses (IPv6 only on a dual-stack network). */
export const ipamConfig = (att: Attachment): { IPv4Address: string; IPv6Address?: string } =>
  att.ipv6 ? { IPv4Address: att.ipv4, IPv6Address: att.ipv6 } : { IPv4Address: att.ipv4 };

/** Docker's multiplexed log format: 8-byte header (stream, 0,0,0, size BE32) per frame. */
export function demuxBuffer(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const len = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + len);
    (type === 2 ? err : out).push(chunk);
    i += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The exit code of an exec whose output has ended (the engine may record it a moment after closing the stream); undefined while it still runs. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | undefined> {
  const info = await waitUntil(
    async () => {
      const i = await exec.inspect();
      return !i.Running && i;
    },
    { timeoutMs: 2_000, intervalMs: 20 },
  );
  return info ? (info.ExitCode ?? -1) : undefined;
}

const isNotFound = (err: unknown): boolean => (err as { statusCode?: number })?.statusCode === 404;

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Every name the lab may use for a container (the one given, its name, its full id): the exec gate's keys. */
async function gateKeys(c: Docker.Container, given: string): Promise<string[]> {
  const info = await c.inspect();
  return [...new Set([given, info.Name.replace(/^\//, ''), info.Id])];
}
