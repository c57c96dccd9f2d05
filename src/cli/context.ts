// What every command receives, and the paths the CLI fills in: the only
// place that builds the Docker runtime. Commands get this as a parameter,
// so a unit test can hand one a fake.
import { join } from 'node:path';
import { runtimeWithHosts } from '../lab/hosts-runtime.js';
import { createProgress, formatProgress, type Progress } from '../lab/progress.js';
import { REPO_ROOT } from '../paths.js';
import { createDockerRuntime } from '../runtime/docker-runtime.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { versioned } from '../schema-version.js';
import { type ClassroomReporter, classroomReporter } from '../web/classroom-reporter.js';
import { processTerminal, type Terminal } from './attach-terminal.js';

export { REPO_ROOT };
export const DEFAULT_LAB = join(REPO_ROOT, 'labs', 'default.yaml');
/** Rendered FRR and agent configs, <lab>/<node>/…, mounted into the containers. */
export const CONFIG_ROOT = join(REPO_ROOT, 'frr-configs');
/** Benchmark result files; the README's tables are generated from them. */
export const BENCH_RESULTS = join(REPO_ROOT, 'bench', 'results');
/**
 * This checkout's classroom membership (`classroom join`): in the project's
 * .cache, not ~/.config, because the lab an attendee reports on is this
 * checkout, whoever runs it (with sudo or without, HOME differs; the
 * checkout does not), and a fresh clone for another workshop does not report
 * to an old board. ANYCAST_CLASSROOM_FILE moves it (tests: one per simulated attendee).
 */
export const CLASSROOM_FILE = process.env.ANYCAST_CLASSROOM_FILE ?? join(REPO_ROOT, '.cache', 'classroom.json');
/** The trainer's board and its join code (`classroom serve`), kept across restarts. */
export const CLASSROOM_BOARD_FILE = join(REPO_ROOT, '.cache', 'classroom-board.json');

export interface CliContext {
  rt: ContainerRuntime;
  /** This process's terminal, for commands that attach a node's process to it (`exec`, `vtysh`, `shell`). */
  terminal: Terminal;
  /** Progress on stderr: aligned lines for people, NDJSON with --json. */
  progress(json: boolean): Progress;
  /** The result on stdout: pretty JSON with --json, else the human text. */
  print(json: boolean, data: unknown, human: () => string): void;
  /** Tells the trainer's board what happened, when this checkout joined one (best effort, ≤ ~300 ms). */
  classroom?: ClassroomReporter;
}

export function makeContext(): CliContext {
  let rt: ContainerRuntime | undefined;
  return {
    // Made on first use: `--help` and usage errors never touch the engine.
    get rt() {
      // With a lab running on several hosts, every host of it too (lab/hosts-runtime.ts); else the local engine alone.
      rt ??= runtimeWithHosts(createDockerRuntime(), CONFIG_ROOT);
      return rt;
    },
    terminal: processTerminal(),
    progress: (json) => createProgress((ev) => process.stderr.write(json ? `${JSON.stringify({ progress: ev })}\n` : `${formatProgress(ev)}\n`)),
    // Every JSON document carries schemaVersion (docs/schema/), so a consumer can refuse one it does not understand.
    print: (json, data, human) => process.stdout.write(json ? `${JSON.stringify(versioned(data), null, 2)}\n` : `${human()}\n`),
    classroom: classroomReporter(CLASSROOM_FILE),
  };
}
