// Integration tests drive the lab exactly as a user does: through the CLI.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import type { ExecResult } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';

export const REPO = join(import.meta.dirname, '..', '..');
// The bin a user runs (`npx anycast-lab`): the prebuilt bundle, rebuilt by the
// launcher when a source changed, ~0.2 s a call where tsx took 1.2–1.6 s.
const LAUNCHER = join(REPO, 'bin', 'anycast-lab.mjs');

/**
 * The lab every integration file shares: its own name and address pools
 * (test/fixtures/labs/test.yaml, default.yaml's topology), so `npm test` runs
 * beside a user's running `default` lab and never touches it. ANYCAST_LAB_FILE
 * points the suite at another lab file (vitest.config.ts sets it to this
 * fixture, so files that read the variable themselves agree).
 */
export const SUITE_LAB_FILE = resolve(REPO, 'test/fixtures/labs/test.yaml');
export const TEST_LAB_FILE = process.env.ANYCAST_LAB_FILE ? resolve(REPO, process.env.ANYCAST_LAB_FILE) : SUITE_LAB_FILE;
export const TEST_LAB = loadLabFile(TEST_LAB_FILE);
/** Every lab the suite creates besides TEST_LAB: the only ones global setup may remove. */
export const SIDE_LABS = ['eight', 'broken', 'delay', 'invalid-node', 'invalid-pop', 'invalid-yaml', 'scale-8-3-8', 'dual', 'small', 'split'] as const;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The argv that runs `lab <args>` (program first), for tests that must start it themselves (under a PTY, detached). */
export const labArgv = (args: string[]): string[] => [process.execPath, LAUNCHER, ...args];

export const lab = (args: string[], timeoutMs = 600_000): Promise<CliRun> => {
  const [program, ...argv] = labArgv(args);
  return run(program, argv, timeoutMs);
};

/** `npm run -s lab -- <args>`, the form the README gives for piping JSON (host preparation first, then the bin). */
export const npmRunLab = (args: string[], timeoutMs = 600_000): Promise<CliRun> => run('npm', ['run', '-s', 'lab', '--', ...args], timeoutMs);

function run(cmd: string, args: string[], timeoutMs: number): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}

/** `lab exec --json`: the node, the command, and how it ended. */
export type ExecJson = ExecResult & { node: string; cmd: string[] };

/** The parts of FRR's `show bgp summary json` these tests read. */
export interface VtyshBgpSummary {
  ipv4Unicast: { peers: Record<string, { state: string; pfxRcd?: number }> };
  /** A dual-stack lab's IPv6 sessions (their own, activated only in this family). */
  ipv6Unicast?: { peers: Record<string, { state: string; pfxRcd?: number }> };
}

/** One entry of FRR's `show bfd peers json`. */
export interface VtyshBfdPeer {
  peer: string;
  status: string;
  'transmit-interval': number;
  'detect-multiplier': number;
}

/** Runs a CLI command with --json and returns the parsed document; fails loudly with stderr. */
export async function labJson<T = unknown>(args: string[], timeoutMs?: number): Promise<T> {
  // Right after the subcommand: `exec` passes everything after the node through.
  const r = await lab([args[0], '--json', ...args.slice(1)], timeoutMs);
  if (r.code !== 0) throw new Error(`lab ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-4000)}`);
  return JSON.parse(r.stdout) as T;
}

export const docker = new Docker();

export async function labelled(labName?: string) {
  const label = labName ? `anycast-lab.lab=${labName}` : 'anycast-lab.lab';
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  return { containers, networks };
}

/** `vtysh -c '<cmd> json'` in a router, parsed — an independent read of FRR's state. */
export async function vtyshJson<T = unknown>(node: string, command: string, labName = TEST_LAB.name): Promise<T> {
  const r = await labJson<{ stdout: string; exitCode: number }>(['exec', '--lab', labName, node, '--', 'vtysh', '-c', `${command} json`]);
  return JSON.parse(r.stdout) as T;
}

/** Polls `check` every `everyMs` until it returns a value, or fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, timeoutMs: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
