// Commands (data) → a commander program, and the one way both entry points
// (`lab`, `bench`) run it: parse, run the command, report any error once.
import { Command, Option } from 'commander';
import type { CliCommand } from './command.js';
import { makeContext } from './context.js';
import { reportError } from './report-error.js';

export interface ProgramMeta {
  name: string;
  description: string;
  /** Root options end at the command name (needed when a command passes options through). */
  positionalOptions?: boolean;
}

export function buildProgram<X>(meta: ProgramMeta, commands: readonly CliCommand<unknown[], unknown, X>[], ctx: X): Command {
  const program = new Command(meta.name)
    .description(meta.description)
    .option('--debug', 'show stack traces of errors (or set ANYCAST_DEBUG=1)')
    .showHelpAfterError()
    // Usage errors are thrown, not exited on, so reportError gives them exit 2.
    .exitOverride();
  if (meta.positionalOptions) program.enablePositionalOptions();
  for (const c of commands) addCommand(program, c, ctx);
  return program;
}

export function addCommand<X>(program: Command, c: CliCommand<unknown[], unknown, X>, ctx: X): Command {
  const cmd = program.command(c.name).description(c.description);
  for (const a of c.arguments ?? []) cmd.argument(a.name, a.description ?? '', a.default);
  for (const o of c.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.default !== undefined) opt.default(o.default);
    if (o.choices) opt.choices(o.choices);
    if (o.required) opt.makeOptionMandatory();
    cmd.addOption(opt);
  }
  if (c.passThroughOptions) cmd.passThroughOptions();
  if (c.helpAfter) cmd.addHelpText('after', c.helpAfter);
  // commander calls the action with the arguments, then the options, then the command.
  cmd.action((...params: unknown[]) => {
    const args = params.slice(0, c.arguments?.length ?? 0);
    return c.run(ctx, args, params[args.length]);
  });
  return cmd;
}

const debugWanted = (program: Command, env: NodeJS.ProcessEnv = process.env): boolean => env.ANYCAST_DEBUG === '1' || !!program.opts().debug;

/** Parses argv and runs the command; any error is reported (text and exit code) here and nowhere else. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    reportError(err, { debug: debugWanted(program) });
  }
}

/** Set by the launcher (bin/bundle.mjs) to the source path of the entry it imports from the bundle. */
const LAUNCHED_ENTRY = Symbol.for('anycast-lab.cli-entry');

/**
 * Whether this process was started to run `src/cli/<entry>`: by the launcher
 * (bin/anycast-lab.mjs, which imports the bundle) or by tsx/node on the source
 * file, and not merely by a test importing the module.
 */
export function startedAs(entry: string, argv1: string | undefined, launched: unknown): boolean {
  const source = `src/cli/${entry}`;
  return launched === source || !!argv1?.replace(/\\/g, '/').endsWith(source);
}

/**
 * The entry point's whole job: when started as the CLI (startedAs), build the
 * program with the Docker context, run it, and leave once the command is done
 * (dockerode keeps sockets alive).
 */
export async function runAsCli(meta: ProgramMeta, commands: readonly CliCommand[], entry: string): Promise<void> {
  if (!startedAs(entry, process.argv[1], (globalThis as Record<symbol, unknown>)[LAUNCHED_ENTRY])) return;
  await runProgram(buildProgram(meta, commands, makeContext()), process.argv);
  // process.exit drops what a pipe has not taken yet (a `lab exec --json` of
  // 1 MB arrived cut at 64-219 kB): leave only once both streams are drained.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  setImmediate(() => process.exit());
}

/** Resolves once everything written to the stream before it has been flushed (or the stream failed: nothing more can arrive). */
export function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
