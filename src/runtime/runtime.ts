// The one narrow interface between lab logic and the container engine.
// docker-runtime.ts implements it with dockerode; unit tests use a fake.
import type { Readable, Writable } from 'node:stream';

export interface NetworkSpec {
  name: string;
  subnet: string;
  gateway: string;
  /** Dual-stack labs: the network's IPv6 /64 and Docker's address on it (EnableIPv6 on an internal network). */
  ipv6?: { subnet: string; gateway: string };
  labels: Record<string, string>;
  /**
   * A link whose ends run on different hosts: an internal, attachable Swarm
   * overlay, created through the manager (MTU 1450, VXLAN), instead of a local bridge.
   */
  overlay?: boolean;
}

export interface NetworkInfo {
  id: string;
  name: string;
  subnet?: string;
  /** The IPv6 subnet of a network created with EnableIPv6. */
  subnet6?: string;
  labels: Record<string, string>;
  /** "swarm" for an overlay (removed through the manager), "local" for a bridge. */
  scope?: string;
}

export interface Attachment {
  network: string;
  ipv4: string;
  /** Static IPv6 address on a dual-stack network. */
  ipv6?: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname?: string;
  labels: Record<string, string>;
  cmd?: string[];
  env?: Record<string, string>;
  capAdd?: string[];
  sysctls?: Record<string, string>;
  binds?: string[];
  /** In-memory mounts: path → mount options (e.g. "size=1m"). */
  tmpfs?: Record<string, string>;
  /** Attached before start, so every interface exists when the entrypoint runs. */
  networks?: Attachment[];
  /** e.g. "none" or "container:<id>" */
  networkMode?: string;
  /** "host" for the one host helper that enters client namespaces by pid. */
  pidMode?: string;
  /** /proc/sys writable: the host helper that turns IPv6 on in other namespaces (nsenter --net, then /proc/sys/net is theirs). */
  writableProcSys?: boolean;
  /** Run docker-init as PID 1 so background agents are reaped. */
  init?: boolean;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface ContainerInfo {
  id: string;
  name: string;
  state: ContainerState;
  labels: Record<string, string>;
  image: string;
  /** Networks it is attached to with the address it asked for (kept while it is stopped). */
  networks?: Attachment[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecStream {
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the exit code once the process has ended and output is drained. */
  done: Promise<number>;
}

/** A terminal's size in character cells. */
export interface TermSize {
  rows: number;
  cols: number;
}

/** The streams of an attached command (`docker exec -i`, and `-t` with `tty`). */
export interface AttachedIo {
  /**
   * A pseudo-terminal in the container: the process sees a terminal (line
   * editing, job control, Ctrl-C as SIGINT from its own line discipline) and
   * its stdout and stderr arrive merged on `stdout`, as `docker exec -t`.
   */
  tty: boolean;
  /** What the process reads; its end is the process's EOF. */
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** The TTY's size at start. */
  size?: TermSize;
  /** Subscribes the TTY's resize for as long as the process runs; returns the unsubscribe. */
  onResize?: (resize: (size: TermSize) => void) => () => void;
}

export interface EngineVersion {
  version: string;
  apiVersion?: string;
}

export interface ImageInfo {
  id: string;
  sizeBytes: number;
  labels: Record<string, string>;
  /** repo:tag names pointing at it */
  tags: string[];
}

/** A rootfs tar that becomes an image (`docker import`); `changes` are Dockerfile lines for its config. */
export interface ImportSpec {
  repo: string;
  tag: string;
  changes: string[];
}

/** A Dockerfile build from a directory on the orchestrator's host. */
export interface BuildSpec {
  contextDir: string;
  /** Files of contextDir sent to the engine. */
  files: string[];
  dockerfile: string;
  /** repo:tag of the result */
  ref: string;
  labels: Record<string, string>;
}

export interface ContainerRuntime {
  /** Throws LabError DOCKER_UNAVAILABLE, with what to do, when the engine cannot be reached. */
  ping(): Promise<EngineVersion>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Images whose name matches `reference` (e.g. "anycast-lab/router"). */
  listImages(reference: string): Promise<ImageInfo[]>;
  tagImage(ref: string, repo: string, tag: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
  importImage(tar: Readable, spec: ImportSpec, signal?: AbortSignal): Promise<void>;
  /** `docker save` of these refs as one tar stream (their tags included), for an offline copy of the lab. */
  saveImages(refs: readonly string[], signal?: AbortSignal): Promise<Readable>;
  /** `docker load` of such a tar: how images reach another host's engine, with no registry. */
  loadImages(tar: Readable, signal?: AbortSignal): Promise<void>;
  buildImage(spec: BuildSpec, signal?: AbortSignal): Promise<void>;
  createNetwork(spec: NetworkSpec): Promise<string>;
  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]>;
  removeNetwork(idOrName: string): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  listContainers(labels: Record<string, string>): Promise<ContainerInfo[]>;
  inspectContainer(idOrName: string): Promise<{ id: string; state: ContainerState; pid: number; labels: Record<string, string> } | undefined>;
  removeContainer(id: string): Promise<void>;
  /** Attaches a container (running or not) to one more network at a fixed address: a new link of a live router. */
  connectNetwork(container: string, att: Attachment): Promise<void>;
  /** Detaches a container from a network: a link removed from a live router. */
  disconnectNetwork(container: string, network: string): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  killContainer(id: string): Promise<void>;
  exec(id: string, cmd: string[], opts?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  execStream(id: string, cmd: string[]): Promise<ExecStream>;
  /** Runs a command wired to `io` until it ends (an interactive shell, a piped script); resolves with its exit code. */
  execAttached(id: string, cmd: string[], io: AttachedIo): Promise<number>;
  /** Runs a short-lived container to completion and removes it (also on timeout). */
  runToCompletion(spec: ContainerSpec, timeoutMs?: number): Promise<ExecResult>;
  stats(id: string): Promise<{ memoryBytes: number }>;
  /**
   * Where `path` inside a running container can be reached from this
   * process without an exec (its mount namespace through /proc/<pid>/root),
   * or undefined: not running, paused (a frozen daemon would not answer), or
   * an engine on another host. Access may still be denied (not root): callers
   * fall back to exec.
   */
  hostPath?(idOrName: string, path: string): Promise<string | undefined>;
}
