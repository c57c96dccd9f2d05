// A hand-written ContainerRuntime for unit tests: containers are entries in a
// map, every call is recorded in order, and exec answers come from a handler
// the test supplies. No Docker, no timers.
import { PassThrough } from 'node:stream';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, ContainerState, ExecResult, ExecStream, NetworkInfo, NetworkSpec } from '../../../src/runtime/runtime.js';

export interface FakeCall {
  method: keyof ContainerRuntime;
  /** Container or network the call is about (name or id as passed). */
  target?: string;
  cmd?: string[];
  stdin?: string;
}

export type ExecHandler = (container: string, cmd: string[], stdin?: string) => Partial<ExecResult> | undefined;

interface FakeContainer {
  id: string;
  name: string;
  state: ContainerState;
  labels: Record<string, string>;
  image: string;
}

export class FakeRuntime implements ContainerRuntime {
  readonly calls: FakeCall[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, NetworkSpec>();
  /** Answers exec; undefined (or no handler) is exit 0 with no output. */
  onExec: ExecHandler | undefined;
  private nextId = 1;

  constructor(opts: { running?: string[]; onExec?: ExecHandler } = {}) {
    for (const name of opts.running ?? []) this.add({ name, image: 'fake', labels: {} }, 'running');
    this.onExec = opts.onExec;
  }

  /** The exec'd commands, optionally of one container, as `argv.join(' ')`. */
  execs(container?: string): string[] {
    return this.calls.filter((c) => c.method === 'exec' && (container === undefined || c.target === container)).map((c) => c.cmd!.join(' '));
  }

  /** Calls other than exec, as "method target". */
  lifecycle(): string[] {
    return this.calls.filter((c) => c.method !== 'exec' && c.method !== 'execStream').map((c) => `${c.method} ${c.target ?? ''}`.trim());
  }

  private add(spec: Pick<ContainerSpec, 'name' | 'image' | 'labels'>, state: ContainerState): FakeContainer {
    const c = { id: `id-${this.nextId++}`, name: spec.name, state, labels: spec.labels, image: spec.image };
    this.containers.set(c.name, c);
    return c;
  }

  private find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.id === idOrName);
  }

  private need(idOrName: string): FakeContainer {
    const c = this.find(idOrName);
    if (!c) throw new Error(`fake runtime: no such container: ${idOrName}`);
    return c;
  }

  async ping(): Promise<string> {
    this.calls.push({ method: 'ping' });
    return 'fake';
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    this.calls.push({ method: 'createNetwork', target: spec.name });
    this.networks.set(spec.name, spec);
    return `net-${spec.name}`;
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    this.calls.push({ method: 'listNetworks' });
    return [...this.networks.values()]
      .filter((n) => Object.entries(labels).every(([k, v]) => n.labels[k] === v))
      .map((n) => ({ id: `net-${n.name}`, name: n.name, subnet: n.subnet, labels: n.labels }));
  }

  async removeNetwork(idOrName: string): Promise<void> {
    this.calls.push({ method: 'removeNetwork', target: idOrName });
    this.networks.delete(idOrName.replace(/^net-/, ''));
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.calls.push({ method: 'createContainer', target: spec.name });
    return this.add(spec, 'created').id;
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push({ method: 'startContainer', target: id });
    this.need(id).state = 'running';
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.calls.push({ method: 'listContainers' });
    return [...this.containers.values()].filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v)).map((c) => ({ ...c }));
  }

  async inspectContainer(idOrName: string): Promise<{ id: string; state: ContainerState; pid: number; labels: Record<string, string> } | undefined> {
    this.calls.push({ method: 'inspectContainer', target: idOrName });
    const c = this.find(idOrName);
    return c && { id: c.id, state: c.state, pid: c.state === 'running' ? 1000 : 0, labels: c.labels };
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push({ method: 'removeContainer', target: id });
    this.containers.delete(this.need(id).name);
  }

  async pauseContainer(id: string): Promise<void> {
    this.calls.push({ method: 'pauseContainer', target: id });
    const c = this.need(id);
    // Docker refuses to pause what is not running; the fake does too, so a test sees a double inject.
    if (c.state !== 'running') throw new Error(`fake runtime: container ${id} is ${c.state}, not running`);
    c.state = 'paused';
  }

  async unpauseContainer(id: string): Promise<void> {
    this.calls.push({ method: 'unpauseContainer', target: id });
    const c = this.need(id);
    if (c.state !== 'paused') throw new Error(`fake runtime: container ${id} is ${c.state}, not paused`);
    c.state = 'running';
  }

  async killContainer(id: string): Promise<void> {
    this.calls.push({ method: 'killContainer', target: id });
    this.need(id).state = 'exited';
  }

  async exec(id: string, cmd: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    this.calls.push({ method: 'exec', target: id, cmd, stdin: opts.stdin });
    return { exitCode: 0, stdout: '', stderr: '', ...this.onExec?.(id, cmd, opts.stdin) };
  }

  async execStream(id: string, cmd: string[]): Promise<ExecStream> {
    this.calls.push({ method: 'execStream', target: id, cmd });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.end();
    stderr.end();
    return { stdout, stderr, done: Promise.resolve(0) };
  }

  async runToCompletion(spec: ContainerSpec): Promise<ExecResult> {
    this.calls.push({ method: 'runToCompletion', target: spec.name, cmd: spec.cmd });
    return { exitCode: 0, stdout: '', stderr: '', ...this.onExec?.(spec.name, spec.cmd ?? []) };
  }

  async stats(id: string): Promise<{ memoryBytes: number }> {
    this.calls.push({ method: 'stats', target: id });
    return { memoryBytes: 0 };
  }
}
