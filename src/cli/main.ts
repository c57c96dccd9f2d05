#!/usr/bin/env node
// The only place that builds the Docker runtime, prints, and sets exit codes.
import { Command, Option } from 'commander';
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../agent/build.js';
import { LabError, LabFileError } from '../errors.js';
import { createDockerRuntime } from '../runtime/docker-runtime.js';
import { helperImage } from '../runtime/image-store.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { loadLabFile } from '../topology/load.js';
import { labUp } from '../lab/up.js';
import { labDown } from '../lab/down.js';
import { labStatus } from '../lab/status.js';
import { createProgress, formatProgress, type Progress } from '../lab/progress.js';
import { findNodeContainer } from '../lab/find-node.js';
import { vtysh } from '../lab/router-query.js';
import { runDoctor } from '../host/doctor.js';
import { renderStatusTable } from '../report/status-table.js';
import { commandExtensions } from './extensions.js';

export const DEFAULT_LAB = join(REPO_ROOT, 'labs', 'default.yaml');
export const CONFIG_ROOT = join(REPO_ROOT, 'frr-configs');

export interface CliContext {
  rt: ContainerRuntime;
  progress(json: boolean): Progress;
  print(json: boolean, data: unknown, human: () => string): void;
}

export function makeContext(): CliContext {
  return {
    rt: createDockerRuntime(),
    progress: (json) =>
      createProgress((ev) => process.stderr.write(json ? `${JSON.stringify({ progress: ev })}\n` : `${formatProgress(ev)}\n`)),
    print: (json, data, human) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`),
  };
}

const jsonOpt = () => new Option('--json', 'machine-readable output on stdout (progress as NDJSON on stderr)');

export function buildProgram(ctx: CliContext = makeContext()): Command {
  const program = new Command('lab')
    .description('anycast-lab: FRR anycast PoPs, dns2 responders and failover timing on Docker')
    .showHelpAfterError()
    .enablePositionalOptions();

  program
    .command('up')
    .description('bring a lab up and wait until it has converged')
    .argument('[file]', 'lab file', DEFAULT_LAB)
    .addOption(jsonOpt())
    .option('--timeout <s>', 'convergence deadline in seconds', '120')
    .action(async (file: string, o: { json?: boolean; timeout: string }) => {
      const lab = loadLabFile(file);
      // Ctrl-C: stop at the next step and remove what this run created. A
      // second Ctrl-C leaves at once (`down` still finds everything by label).
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        process.stderr.write('\ninterrupted: rolling back what this run created (Ctrl-C again to leave now)\n');
        abort.abort(new LabError('INTERRUPTED', 'up was interrupted; what it created has been removed'));
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      try {
        const r = await labUp(ctx.rt, lab, { progress: ctx.progress(!!o.json), paths: { configRoot: CONFIG_ROOT }, timeoutMs: Number(o.timeout) * 1000, signal: abort.signal });
        const p = r.phases;
        ctx.print(!!o.json, r, () =>
          [
            `lab "${lab.name}" is up and converged in ${(r.wallMs / 1000).toFixed(1)} s`,
            `  ${lab.routers.length} routers, ${lab.clients.length} clients; created ${r.created.containers.length} containers, ${r.created.networks.length} networks; kept ${r.kept.length}${r.repaired.length ? `; repaired FRR config on ${r.repaired.join(', ')}` : ''}`,
            `  phases (s since start): networks ${sec(p.networks)}, containers started ${sec(p.start)}, FRR config verified ${sec(p.configVerified)}, BGP ${sec(p.bgpEstablished)}, BFD ${sec(p.bfdUp)}, routes ${sec(p.routesInstalled)}, clients answered ${sec(p.clientsAnswered)}`,
            `  FRR configs: ${join(CONFIG_ROOT, lab.name)}/<node>/frr.conf`,
            `  next: npm run lab -- status | npm run lab -- lg t-eu | npm run lab -- exec c-de -- dig @${lab.anycast.dnsAddress} hostname.bind CH TXT`,
          ].join('\n'),
        );
      } catch (err) {
        // Aborted: whatever was in flight failed; the reason is the interruption.
        if (abort.signal.aborted) {
          process.exitCode = 130;
          throw abort.signal.reason;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });

  program
    .command('down')
    .description('remove a lab (every container and network carrying its label)')
    .argument('[file]', 'lab file (its name selects the lab)', DEFAULT_LAB)
    .option('--all', 'remove every anycast-lab resource on this engine, whatever lab')
    .addOption(jsonOpt())
    .action(async (file: string, o: { all?: boolean; json?: boolean }) => {
      const name = o.all ? undefined : labNameOf(file);
      const r = await labDown(ctx.rt, name, ctx.progress(!!o.json), await helperImage(ctx.rt));
      ctx.print(!!o.json, r, () => `removed ${r.containers} containers and ${r.networks} networks${r.labs.length ? ` (${r.labs.join(', ')})` : ''} in ${(r.wallMs / 1000).toFixed(1)} s`);
    });

  program
    .command('status')
    .description('nodes, BGP sessions, BFD peers and PoP announce state')
    .argument('[lab]', 'lab name (default: every lab)')
    .addOption(jsonOpt())
    .action(async (lab: string | undefined, o: { json?: boolean }) => {
      const s = await labStatus(ctx.rt, lab);
      ctx.print(!!o.json, s, () => renderStatusTable(s));
    });

  program
    .command('exec')
    .description('run a command in a node: lab exec c-de -- dig @192.0.2.53 hostname.bind CH TXT')
    .argument('<node>')
    .argument('<cmd...>')
    .option('--lab <name>', 'lab name when several are up')
    .addOption(jsonOpt())
    .passThroughOptions()
    .action(async (node: string, cmd: string[], o: { lab?: string; json?: boolean }) => {
      const c = await findNodeContainer(ctx.rt, node, o.lab);
      // `lab exec c-de -- dig …`: the separator is for people, not the command.
      if (cmd[0] === '--') cmd = cmd.slice(1);
      const r = await ctx.rt.exec(c.id, cmd, { timeoutMs: 300_000 });
      if (o.json) ctx.print(true, { node, cmd, ...r }, () => '');
      else {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
      }
      process.exitCode = r.exitCode;
    });

  program
    .command('lg')
    .description('looking glass: run a vtysh command on a router (default: the anycast prefix\'s paths)')
    .argument('<router>')
    .argument('[command...]', 'vtysh command', [])
    .option('--lab <name>', 'lab name when several are up')
    .addOption(jsonOpt())
    .action(async (router: string, words: string[], o: { lab?: string; json?: boolean }) => {
      const c = await findNodeContainer(ctx.rt, router, o.lab);
      if (c.kind !== 'router') throw new LabError('USAGE', `${router} is a ${c.kind}, not a router; lg runs vtysh on routers`);
      const command = words.length ? words.join(' ') : `show bgp ipv4 unicast ${c.anycastPrefix ?? '192.0.2.0/24'}`;
      const wantsJson = o.json && !/\bjson$/.test(command);
      const out = await vtysh(ctx.rt, c.id, wantsJson ? `${command} json` : command);
      if (o.json) ctx.print(true, { router, command, output: safeJson(out) }, () => '');
      else process.stdout.write(out);
    });

  program
    .command('doctor')
    .description('check the engine, kernel features and capabilities the lab uses')
    .addOption(jsonOpt())
    .action(async (o: { json?: boolean }) => {
      const r = await runDoctor(ctx.rt);
      ctx.print(!!o.json, r, () =>
        r.checks.map((c) => `${c.status === 'ok' ? ' ok  ' : c.status === 'warn' ? ' warn' : c.optional ? ' n/a ' : ' MISS'} ${c.name.padEnd(22)} ${c.detail}${c.optional && c.status !== 'ok' ? ' (optional)' : ''}${c.fix ? `\n       fix: ${c.fix}` : ''}`).join('\n'),
      );
      if (!r.ok) process.exitCode = 1;
    });

  for (const extend of commandExtensions) extend(program, ctx);
  return program;
}

/** `down` must work with a lab file that no longer validates: fall back to its name field, then its file name. */
function labNameOf(file: string): string {
  try {
    return loadLabFile(file).name;
  } catch (err) {
    if (!(err instanceof LabFileError)) throw err;
    const m = /^name:\s*([a-z][a-z0-9-]*)\s*$/m.exec(readFileSafe(file));
    return m?.[1] ?? basename(file).replace(/\.ya?ml$/, '');
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof LabFileError) {
      process.stderr.write(`error: invalid lab file\n${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof LabError) {
      process.stderr.write(`error [${err.code}]: ${err.message}\n`);
      process.exitCode = err.code === 'INTERRUPTED' ? 130 : 1;
    } else {
      process.stderr.write(`error: ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = 1;
    }
  }
}

const invokedDirectly = process.argv[1] && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  await main();
  // dockerode keeps sockets alive; the CLI is done once the command is.
  setImmediate(() => process.exit());
}
