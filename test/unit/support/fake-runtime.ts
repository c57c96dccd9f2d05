// A hand-written ContainerRuntime in memory: containers, networks and images
// with labels, every call logged in order, failures injected per method, and
// exec/run answered by the test. Enough for `up`, `down` and image tests
// without an engine.
import { Readable } from 'node:stream';
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
} from '../../../src/runtime/runtime.js';

export interface FakeContainer extends ContainerInfo {
  spec: ContainerSpec;
  pid: number;
}

export interface FakeNetwork extends NetworkInfo {
  spec: NetworkSpec;
}

type Method = keyof ContainerRuntime;

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });

/** `{k: ''}` matches any value of k, as Docker's label filter does. */
const matches = (have: Record<string, string>, want: Record<string, string>) =>
  Object.entries(want).every(([k, v]) => k in have && (v === '' || have[k] === v));

/** Answers one exec by container name; undefined means exit 0 with no output. */
export type ExecHandler = (container: string, cmd: string[], stdin?: string) => Partial<ExecResult> | undefined;

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, FakeNetwork>();
  /** ref → image */
  readonly images = new Map<string, ImageInfo>();
  /** `method arg` in call order, e.g. `createContainer al-default-fra`. */
  readonly calls: string[] = [];
  /** Every exec in full, in order (calls keeps a short form). */
  readonly execLog: { container: string; cmd: string[]; stdin?: string }[] = [];
  /** Every execAttached, in order: how the terminal was passed on. */
  readonly attachedLog: { id: string; cmd: string[]; tty: boolean; size?: TermSize }[] = [];
  private seq = 0;
  private readonly idPrefix: string;
  private readonly failures: { method: Method; arg: RegExp; error: Error }[] = [];

  /** Answers exec in a container; default: exit 0, no output. */
  onExec: (c: FakeContainer, cmd: string[], stdin?: string) => ExecResult = () => ok();
  /** Answers runToCompletion; default: exit 0, no output. */
  onRun: (spec: ContainerSpec) => ExecResult = () => ok();

  /** Containers already running (by name), and exec answered by name. */
  /** `idPrefix`: ids unique across several fakes, as Docker's random ids are across engines (a federation of fakes). */
  constructor(opts: { running?: string[]; onExec?: ExecHandler; idPrefix?: string } = {}) {
    this.idPrefix = opts.idPrefix ?? '';
    for (const name of opts.running ?? []) this.addContainer({ name, labels: {} });
    const handler = opts.onExec;
    if (handler) this.onExec = (c, cmd, stdin) => ({ ...ok(), ...handler(c.name, cmd, stdin) });
  }

  /** The exec'd commands, optionally of one container, as `argv.join(' ')`. */
  execs(container?: string): string[] {
    return this.execLog.filter((e) => container === undefined || e.container === container).map((e) => e.cmd.join(' '));
  }

  /** Calls other than exec, e.g. `pauseContainer al-default-fra`. */
  lifecycle(): string[] {
    return this.calls.filter((c) => !c.startsWith('exec '));
  }

  /** Forget the calls so far (a test looks at one step at a time). */
  clearCalls(): void {
    this.calls.length = 0;
    this.execLog.length = 0;
  }

  /** The next calls of `method` whose logged argument matches `arg` throw `error`. */
  failOn(method: Method, arg: RegExp, error: Error = new Error(`fake ${method} failed`)): this {
    this.failures.push({ method, arg, error });
    return this;
  }

  addImage(ref: string, labels: Record<string, string> = {}): void {
    const existing = [...this.images.values()].find((i) => i.tags.includes(ref));
    this.images.set(ref, existing ?? { id: `sha256:img${++this.seq}`, sizeBytes: 100e6, labels, tags: [ref] });
  }

  /** Adds a container as if an earlier run (or another lab) had made it. */
  addContainer(spec: Pick<ContainerSpec, 'name' | 'labels'> & Partial<ContainerSpec>, state: ContainerState = 'running'): FakeContainer {
    const c: FakeContainer = {
      id: `${this.idPrefix}c${++this.seq}`,
      name: spec.name,
      state,
      labels: spec.labels,
      image: spec.image ?? 'img',
      spec: { image: 'img', ...spec },
      pid: 1000 + this.seq,
    };
    this.containers.set(c.id, c);
    return c;
  }

  addNetwork(spec: NetworkSpec): FakeNetwork {
    // Listed as Docker lists it: a network made with IPv6 names its IPv6 subnet too (docker-runtime.ts).
    const n: FakeNetwork = {
      id: `${this.idPrefix}n${++this.seq}`,
      name: spec.name,
      subnet: spec.subnet,
      scope: spec.overlay ? 'swarm' : 'local',
      ...(spec.ipv6 ? { subnet6: spec.ipv6.subnet } : {}),
      labels: spec.labels,
      spec,
    };
    this.networks.set(n.id, n);
    return n;
  }

  private log(method: Method, arg = ''): void {
    this.calls.push(arg ? `${method} ${arg}` : method);
    const f = this.failures.find((x) => x.method === method && x.arg.test(arg));
    if (f) throw f.error;
  }

  private container(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.name === idOrName);
  }

  private mustContainer(idOrName: string): FakeContainer {
    const c = this.container(idOrName);
    if (!c) throw Object.assign(new Error(`no such container: ${idOrName}`), { statusCode: 404 });
    return c;
  }

  async ping(): Promise<EngineVersion> {
    this.log('ping');
    return { version: '27.0.0-fake', apiVersion: '1.46' };
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    this.log('inspectImage', ref);
    return this.images.get(ref);
  }

  async listImages(reference: string): Promise<ImageInfo[]> {
    this.log('listImages', reference);
    return [...new Set(this.images.values())].filter((i) => i.tags.some((t) => t.split(':')[0] === reference));
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    this.log('tagImage', `${ref} ${repo}:${tag}`);
    const img = this.images.get(ref);
    if (!img) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
    img.tags.push(`${repo}:${tag}`);
    this.images.set(`${repo}:${tag}`, img);
  }

  async removeImage(ref: string): Promise<void> {
    this.log('removeImage', ref);
    this.images.delete(ref);
  }

  async saveImages(refs: readonly string[]): Promise<Readable> {
    this.log('saveImages', refs.join(' '));
    for (const ref of refs) if (!this.images.has(ref)) throw Object.assign(new Error(`no such image: ${ref}`), { statusCode: 404 });
    return Readable.from([Buffer.from(`saved ${refs.join(' ')}`)]);
  }

  /** Reads what saveImages wrote ("saved <ref> <ref>…"): the refs appear here, as `docker load` makes them. */
  async loadImages(tar: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of tar) chunks.push(Buffer.from(c));
    const refs = String(Buffer.concat(chunks))
      .replace(/^saved /, '')
      .split(' ')
      .filter(Boolean);
    this.log('loadImages', refs.join(' '));
    for (const ref of refs) this.addImage(ref);
  }

  async importImage(_tar: Readable, spec: ImportSpec): Promise<void> {
    this.log('importImage', `${spec.repo}:${spec.tag}`);
    this.addImage(`${spec.repo}:${spec.tag}`);
  }

  async buildImage(spec: BuildSpec): Promise<void> {
    this.log('buildImage', spec.ref);
    this.addImage(spec.ref, spec.labels);
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    this.log('createNetwork', spec.name);
    if ([...this.networks.values()].some((n) => n.name === spec.name)) throw new Error(`network with name ${spec.name} already exists`);
    return this.addNetwork(spec).id;
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    this.log('listNetworks');
    return [...this.networks.values()].filter((n) => matches(n.labels, labels)).map(({ spec: _, ...n }) => n);
  }

  async removeNetwork(idOrName: string): Promise<void> {
    this.log('removeNetwork', this.networks.get(idOrName)?.name ?? idOrName);
    const n = this.networks.get(idOrName) ?? [...this.networks.values()].find((x) => x.name === idOrName);
    if (n) this.networks.delete(n.id);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.log('createContainer', spec.name);
    if (this.container(spec.name)) throw new Error(`Conflict. The container name "/${spec.name}" is already in use`);
    return this.addContainer(spec, 'created').id;
  }

  async startContainer(id: string): Promise<void> {
    this.log('startContainer', this.container(id)?.name ?? id);
    this.mustContainer(id).state = 'running';
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.log('listContainers');
    return [...this.containers.values()]
      .filter((c) => matches(c.labels, labels))
      .map(({ id, name, state, labels: l, image, spec }) => ({ id, name, state, labels: l, image, networks: [...(spec.networks ?? [])] }));
  }

  async inspectContainer(idOrName: string) {
    const c = this.container(idOrName);
    this.log('inspectContainer', c?.name ?? idOrName);
    return c && { id: c.id, state: c.state, pid: c.pid, labels: c.labels };
  }

  async removeContainer(id: string): Promise<void> {
    this.log('removeContainer', this.container(id)?.name ?? id);
    this.containers.delete(this.container(id)?.id ?? id);
  }

  async connectNetwork(container: string, att: Attachment): Promise<void> {
    const c = this.mustContainer(container);
    this.log('connectNetwork', `${c.name} ${att.network}`);
    c.spec = { ...c.spec, networks: [...(c.spec.networks ?? []), att] };
  }

  async disconnectNetwork(container: string, network: string): Promise<void> {
    const c = this.mustContainer(container);
    this.log('disconnectNetwork', `${c.name} ${network}`);
    c.spec = { ...c.spec, networks: (c.spec.networks ?? []).filter((n) => n.network !== network) };
  }

  async pauseContainer(id: string): Promise<void> {
    this.log('pauseContainer', this.mustContainer(id).name);
    this.mustContainer(id).state = 'paused';
  }

  async unpauseContainer(id: string): Promise<void> {
    this.log('unpauseContainer', this.mustContainer(id).name);
    this.mustContainer(id).state = 'running';
  }

  async killContainer(id: string): Promise<void> {
    this.log('killContainer', this.mustContainer(id).name);
    this.mustContainer(id).state = 'exited';
  }

  async exec(id: string, cmd: string[], opts: { stdin?: string } = {}): Promise<ExecResult> {
    const c = this.mustContainer(id);
    this.log('exec', `${c.name} ${cmd.join(' ').slice(0, 60)}`);
    this.execLog.push({ container: c.name, cmd, stdin: opts.stdin });
    return this.onExec(c, cmd, opts.stdin);
  }

  async execStream(id: string, cmd: string[]): Promise<ExecStream> {
    throw new Error(`FakeRuntime.execStream is not faked (${id}: ${cmd.join(' ')})`);
  }

  /** Answered like exec (through `this.exec`, so subclasses that record execs see these too); stdin is not read, `tty` is logged. */
  async execAttached(id: string, cmd: string[], io: AttachedIo): Promise<number> {
    this.attachedLog.push({ id, cmd, tty: io.tty, size: io.size });
    const r = await this.exec(id, cmd);
    io.stdout.write(io.tty ? r.stdout + r.stderr : r.stdout);
    if (!io.tty) io.stderr.write(r.stderr);
    return r.exitCode;
  }

  async runToCompletion(spec: ContainerSpec): Promise<ExecResult> {
    this.log('runToCompletion', spec.name);
    return this.onRun(spec);
  }

  async stats(id: string): Promise<{ memoryBytes: number }> {
    this.mustContainer(id);
    return { memoryBytes: 50 * 2 ** 20 };
  }
}
