// The CLI edge: commands are data, built into one commander program; errors
// are reported once, with the exit code from the table in errors.ts.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_COMMANDS } from '../../src/cli/bench-commands.js';
import { SHELL_CMD } from '../../src/cli/commands/shell.js';
import type { CliContext } from '../../src/cli/context.js';
import { LAB_COMMANDS } from '../../src/cli/lab-commands.js';
import { LAB_PROGRAM } from '../../src/cli/main.js';
import { buildProgram } from '../../src/cli/program.js';
import { describeError } from '../../src/cli/report-error.js';
import { EXIT_CODES, LabError, LabFileError } from '../../src/errors.js';
import { nodeConfigHash } from '../../src/lab/artifacts.js';
import { planLab } from '../../src/lab/plan.js';
import { vtysh } from '../../src/lab/router-query.js';
import { ImageBuildError } from '../../src/runtime/image-build-error.js';
import type { ContainerInfo } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import type { Report } from '../../src/web/classroom-reporter.js';
import { listingRuntime } from './support/listing-runtime.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

describe('describeError', () => {
  it.each([
    [
      'a usage error',
      new LabError('USAGE', 'Expected `--trials` to be a positive integer, got "x"'),
      2,
      'error [USAGE]: Expected `--trials` to be a positive integer, got "x"\n',
    ],
    ['an exec timeout', new LabError('EXEC_TIMEOUT', 'command timed out after 5 ms: true'), 1, 'error [EXEC_TIMEOUT]: command timed out after 5 ms: true\n'],
    ['a missing kernel feature', new LabError('HOST_CAPABILITY', 'no sch_netem'), 1, 'error [HOST_CAPABILITY]: no sch_netem\n'],
    ['an interruption', new LabError('INTERRUPTED', 'up was interrupted'), 130, 'error [INTERRUPTED]: up was interrupted\n'],
    [
      'an image build failure',
      new ImageBuildError('MMDEBSTRAP_MISSING', 'mmdebstrap is not installed', { image: 'router' }),
      1,
      'error [IMAGE_BUILD]: image "router": mmdebstrap is not installed\n',
    ],
  ])('%s: the message without a stack, and its exit code', (_, err, exitCode, text) => {
    expect(describeError(err)).toEqual({ text, exitCode });
  });

  it('an invalid lab file: every issue, exit 2', () => {
    const err = new LabFileError([{ file: 'labs/x.yaml', line: 3, column: 5, field: 'routers[0].asn', message: 'expected a number' }]);
    expect(describeError(err)).toEqual({ text: 'error: invalid lab file\nlabs/x.yaml:3:5: routers[0].asn: expected a number\n', exitCode: 2 });
  });

  it('anything else: its message and how to see the stack, exit 1', () => {
    const r = describeError(new TypeError('x is undefined'));
    expect(r.exitCode).toBe(1);
    expect(r.text).toBe('error: x is undefined\n(unexpected: rerun with --debug (before the command name) or ANYCAST_DEBUG=1 for the stack trace)\n');
  });

  it("--debug adds the stack, and the cause's", () => {
    const err = new LabError('NODE_START', 'fra: starting failed', { cause: new Error('port is already allocated') });
    const { text, exitCode } = describeError(err, true);
    expect(exitCode).toBe(1);
    expect(text).toMatch(/^error \[NODE_START\]: fra: starting failed\nLabError: fra: starting failed\n\s+at /);
    expect(text).toMatch(/caused by: Error: port is already allocated\n\s+at /);
    expect(describeError(new Error('boom'), true).text).not.toMatch(/rerun with/);
  });

  it('commander has printed its own usage errors: exit 2, and 0 after --help', () => {
    expect(describeError(new CommanderError(1, 'commander.missingMandatoryOptionValue', "error: required option '--pop <pop>' not specified"))).toEqual({
      text: '',
      exitCode: 2,
    });
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ text: '', exitCode: 0 });
  });

  it('every code has an exit status: 2 for bad input, 130 for Ctrl-C, 1 for the rest', () => {
    const bad = Object.entries(EXIT_CODES)
      .filter(([, c]) => c === 2)
      .map(([k]) => k)
      .sort();
    expect(bad).toEqual(['LAB_FILE', 'RENDER', 'USAGE']);
    expect(
      Object.entries(EXIT_CODES)
        .filter(([, c]) => c === 130)
        .map(([k]) => k),
    ).toEqual(['INTERRUPTED']);
  });
});

describe('command lists', () => {
  it('keeps every lab and bench command, in --help order', () => {
    expect(LAB_COMMANDS.map((c) => c.name)).toEqual([
      'up',
      'plan',
      'down',
      'status',
      'exec',
      'vtysh',
      'shell',
      'lg',
      'collector',
      'doctor',
      'hosts',
      'compose',
      'who',
      'trace',
      'policy',
      'withdraw',
      'announce',
      'break',
      'restore',
      'failover',
      'verify',
      'flood',
      'exercise',
      'checkpoint',
      'gen',
      'web',
      'classroom',
      'pack',
    ]);
    expect(BENCH_COMMANDS.map((c) => c.name)).toEqual(['responder', 'failover', 'up', 'soak', 'bfd-remedy', 'cli', 'swarm', 'placement', 'report']);
  });

  it('nothing outside src/cli imports from it (no cycles through the CLI)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
    const offenders = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith('cli/'))
      .filter((f) => /from '(\.\.\/)+cli\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});

describe('commands through the program', () => {
  let dir: string | undefined;
  afterEach(() => {
    process.exitCode = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A lab file announcing 198.51.100.0/24, and the containers `up` would have made from it. */
  function runningLabFixture(): ContainerInfo[] {
    dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'lab.yaml');
    copyFileSync(join(SRC, '..', 'labs', 'default.yaml'), file);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/192\.0\.2\./g, '198.51.100.'));
    const lab = loadLabFile(file);
    const hashes = Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)]));
    return planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }, hashes).nodes.map((n, i) => ({
      id: `id-${i}`,
      name: n.spec.name,
      state: 'running',
      labels: n.spec.labels,
      image: n.spec.image,
    }));
  }

  async function run(rt: ReturnType<typeof listingRuntime>, ...args: string[]) {
    const printed: unknown[] = [];
    // Not this process's terminal: a test must never put the developer's terminal in raw mode.
    const terminal = { stdin: Object.assign(new PassThrough(), { isTTY: false }), stdout: new PassThrough(), stderr: new PassThrough() };
    const ctx = { rt, terminal, print: (_json: boolean, data: unknown) => printed.push(data) } as unknown as CliContext;
    const program = buildProgram(LAB_PROGRAM, LAB_COMMANDS, ctx);
    // Each command keeps the output settings it was created with.
    for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    await program.parseAsync(args, { from: 'user' });
    return printed;
  }

  it("lg asks for the paths to the lab's own anycast prefix, in the router's container", async () => {
    const rt = listingRuntime(runningLabFixture(), { exitCode: 0, stdout: '{"prefix":"198.51.100.0/24"}', stderr: '' });
    const printed = await run(rt, 'lg', '--json', 't-eu');
    // The default lab is dual-stack: the /24's paths, then the /48's.
    expect(rt.execCalls).toEqual([
      { id: 'al-default-t-eu', cmd: ['vtysh', '-c', 'show bgp ipv4 unicast 198.51.100.0/24 json'] },
      { id: 'al-default-t-eu', cmd: ['vtysh', '-c', 'show bgp ipv6 unicast 2001:db8::/48 json'] },
    ]);
    expect(printed).toEqual([
      {
        router: 't-eu',
        command: 'show bgp ipv4 unicast 198.51.100.0/24',
        output: { prefix: '198.51.100.0/24' },
        command6: 'show bgp ipv6 unicast 2001:db8::/48',
        output6: { prefix: '198.51.100.0/24' },
      },
    ]);
  });

  it('exec passes everything after the node through, flags included, and exits with its status', async () => {
    const rt = listingRuntime(runningLabFixture(), { exitCode: 9, stdout: '', stderr: '' });
    await run(rt, 'exec', '--lab', 'default', '--json', 'c-de', '--', 'dig', '--json', '+short');
    expect(rt.execCalls.map((e) => e.cmd)).toEqual([['dig', '--json', '+short']]);
    expect(process.exitCode).toBe(9);
  });

  it('vtysh runs vtysh attached in the router, its arguments passed through, and exits with its status', async () => {
    const rt = listingRuntime(runningLabFixture(), { exitCode: 3, stdout: '', stderr: '' });
    await run(rt, 'vtysh', 'fra', '-c', 'show bgp summary');
    expect(rt.attachedLog).toEqual([{ id: 'id-0', cmd: ['vtysh', '-c', 'show bgp summary'], tty: false, size: undefined }]);
    expect(process.exitCode).toBe(3);
  });

  it('vtysh on a client names the routers instead', async () => {
    const rt = listingRuntime(runningLabFixture());
    await expect(run(rt, 'vtysh', 'c-de')).rejects.toMatchObject({
      code: 'USAGE',
      message: 'c-de is a client, not a router; routers in lab default: eb-br, eb-de, eb-jp, eb-us, fra, gru, iad, nrt, t-ap, t-eu, t-us',
    });
    expect(rt.attachedLog).toEqual([]);
  });

  it('shell starts bash (sh where there is none) in any node; an unknown node lists the nodes', async () => {
    const rt = listingRuntime(runningLabFixture());
    await run(rt, 'shell', 'c-de');
    expect(rt.attachedLog.map((a) => a.cmd)).toEqual([SHELL_CMD]);
    await expect(run(rt, 'shell', 'nope')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^no node "nope"; nodes: c-br, c-de, .*t-us$/),
    });
  });

  it.each([['x'], ['-1'], ['65536']])('web refuses --port %s before looking for a lab', async (port) => {
    const rt = listingRuntime([]);
    await expect(run(rt, 'web', '--port', port)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(port) });
  });

  it('exercise solve without --trainer refuses before touching the lab, and says what to do instead', async () => {
    const rt = listingRuntime(runningLabFixture());
    await expect(run(rt, 'exercise', 'solve', 'prepend-catchment')).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/solve is for trainers[\s\S]*exercise hint prepend-catchment[\s\S]*solve prepend-catchment --trainer/),
    });
    expect(rt.execCalls).toEqual([]);
  });

  it('exercise hint tells the classroom board, through the context the CLI hands it', async () => {
    const reports: Report[] = [];
    const ctx = { rt: listingRuntime([]), print: () => {}, classroom: { report: async (r: Report) => void reports.push(r) } } as unknown as CliContext;
    const program = buildProgram(LAB_PROGRAM, LAB_COMMANDS, ctx);
    await program.parseAsync(['exercise', 'hint', 'missing-bfd', '--n', '2'], { from: 'user' });
    expect(reports).toEqual([{ type: 'hint', exercise: 'missing-bfd', n: 2 }]);
  });

  it.each([
    ['--max-p50', '450', /`--max-p50` to be a duration with its unit \(e\.g\. 450ms or 2s\), got "450"/],
    ['--max', '2min', /`--max` to be a duration with its unit/],
    ['--max-lost', '-1', /`--max-lost` to be a whole number/],
  ])('failover refuses %s %s before looking for a lab (exit 2)', async (flag, value, message) => {
    const rt = listingRuntime([]);
    await expect(run(rt, 'failover', '--pop', 'fra', '--fault', 'freeze', flag, value)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(message),
    });
  });

  it('verify refuses an unknown case, naming the cases there are, before looking for a lab', async () => {
    await expect(run(listingRuntime([]), 'verify', '--case', 'nope')).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/`--case` to be one of freeze-fra, .*, got "nope"/),
    });
  });

  it('a usage error is thrown for reportError, not exited on', async () => {
    await expect(run(listingRuntime([]), 'failover', '--pop', 'fra')).rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
  });
});

describe('vtysh', () => {
  it('fails with a LabError naming the router container and the command', async () => {
    const rt = listingRuntime([], { exitCode: 1, stdout: '% Unknown command: show bgp nonsense', stderr: '' });
    await expect(vtysh(rt, 'al-default-t-eu', 'show bgp nonsense')).rejects.toMatchObject({
      name: 'LabError',
      code: 'ROUTER_QUERY',
      message: "al-default-t-eu: vtysh -c 'show bgp nonsense' exited 1: % Unknown command: show bgp nonsense",
    });
  });
});
