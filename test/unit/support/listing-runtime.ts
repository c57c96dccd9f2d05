// The FakeRuntime holding a given set of running containers (ids kept), whose
// execs are recorded and all answered with one result, for any container
// name: enough for code that finds a running lab by its labels and asks it.
import type { ContainerInfo, ExecResult } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from './fake-runtime.js';

export class ListingRuntime extends FakeRuntime {
  readonly execCalls: { id: string; cmd: string[] }[] = [];

  constructor(
    containers: ContainerInfo[],
    private readonly execResult: ExecResult,
  ) {
    super();
    for (const c of containers) this.containers.set(c.id, { ...c, spec: { name: c.name, image: c.image, labels: c.labels }, pid: 1000 });
  }

  override async exec(id: string, cmd: string[]): Promise<ExecResult> {
    this.execCalls.push({ id, cmd });
    return this.execResult;
  }
}

export function listingRuntime(containers: ContainerInfo[], execResult: ExecResult = { exitCode: 0, stdout: '', stderr: '' }): ListingRuntime {
  return new ListingRuntime(containers, execResult);
}
