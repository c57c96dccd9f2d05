// What every command receives, and the paths the CLI fills in: the only
// place that builds the Docker runtime. Commands get this as a parameter,
// so a unit test can hand one a fake.
import { join } from 'node:path';
import { createProgress, formatProgress, type Progress } from '../lab/progress.js';
import { REPO_ROOT } from '../paths.js';
import { createDockerRuntime } from '../runtime/docker-runtime.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { processTerminal, type Terminal } from './attach-terminal.js';

export { REPO_ROOT };
export const DEFAULT_LAB = join(REPO_ROOT, 'labs', 'default.yaml');
/** Rendered FRR and agent configs, <lab>/<node>/…, mounted into the containers. */
export const CONFIG_ROOT = join(REPO_ROOT, 'frr-configs');
/** Benchmark result files; the README's tables are generated from them. */
export const BENCH_RESULTS = join(REPO_ROOT, 'bench', 'results');

export interface CliContext {
  rt: ContainerRuntime;
  /** This process's terminal, for commands that attach a node's process to it (`exec`, `vtysh`, `shell`). */
  terminal: Terminal;
  /** Progress on stderr: aligned lines for people, NDJSON with --json. */
  progress(json: boolean): Progress;
  /** The result on stdout: pretty JSON with --json, else the human text. */
  print(json: boolean, data: unknown, human: () => string): void;
}

export function makeContext(): CliContext {
  return {
    rt: createDockerRuntime(),
    terminal: processTerminal(),
    progress: (json) => createProgress((ev) => process.stderr.write(json ? `${JSON.stringify({ progress: ev })}\n` : `${formatProgress(ev)}\n`)),
    print: (json, data, human) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`),
  };
}
