// A fake ContainerRuntime that only lists containers (by label, as Docker's
// filter does: `k=v`, or `k` alone when v is ''), and records execs. Enough
// for code that finds a running lab by its labels; anything else throws.
import type { ContainerInfo, ContainerRuntime, ExecResult } from '../../../src/runtime/runtime.js';

export interface ListingRuntime extends ContainerRuntime {
  execs: { id: string; cmd: string[] }[];
}

export function listingRuntime(containers: ContainerInfo[], execResult: ExecResult = { exitCode: 0, stdout: '', stderr: '' }): ListingRuntime {
  const unexpected = (what: string) => () => Promise.reject(new Error(`listing runtime: ${what} was not expected`));
  const execs: { id: string; cmd: string[] }[] = [];
  return {
    execs,
    listContainers: async (labels) => containers.filter((c) => Object.entries(labels).every(([k, v]) => (v === '' ? k in c.labels : c.labels[k] === v))),
    exec: async (id, cmd) => {
      execs.push({ id, cmd });
      return execResult;
    },
    ping: unexpected('ping'),
    createNetwork: unexpected('createNetwork'),
    listNetworks: unexpected('listNetworks'),
    removeNetwork: unexpected('removeNetwork'),
    createContainer: unexpected('createContainer'),
    startContainer: unexpected('startContainer'),
    inspectContainer: unexpected('inspectContainer'),
    removeContainer: unexpected('removeContainer'),
    pauseContainer: unexpected('pauseContainer'),
    unpauseContainer: unexpected('unpauseContainer'),
    killContainer: unexpected('killContainer'),
    execStream: unexpected('execStream'),
    runToCompletion: unexpected('runToCompletion'),
    stats: unexpected('stats'),
  };
}
