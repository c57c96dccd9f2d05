// A command is data: its name, help, arguments and options, and one `run`.
// program.ts turns a list of these into a commander program; nothing in a
// command prints an error or sets an exit code for one (report-error.ts does).
import type { CliContext } from './context.js';

export interface CliArgument {
  /** commander syntax: `<node>`, `[file]`, `<cmd...>`. */
  name: string;
  description?: string;
  default?: unknown;
}

export interface CliOption {
  /** commander syntax: `--trials <n>`, `--json`. */
  flags: string;
  description: string;
  default?: string;
  /** The command fails (exit 2) when it is missing. */
  required?: boolean;
  choices?: readonly string[];
}

/** `A`: the positional arguments in order; `O`: the parsed options; `X`: what `run` needs of the context. */
export interface CliCommand<A extends unknown[] = unknown[], O = unknown, X = CliContext> {
  name: string;
  description: string;
  arguments?: CliArgument[];
  options?: CliOption[];
  /** Options after the first argument belong to it (`exec c-de -- dig …`). */
  passThroughOptions?: boolean;
  /** Shown after the option list in --help. */
  helpAfter?: string;
  run(ctx: X, args: A, opts: O): Promise<void> | void;
}

/** Typed at the definition, stored untyped in the command lists. */
export const defineCommand = <A extends unknown[], O, X = CliContext>(c: CliCommand<A, O, X>): CliCommand<A, O, X> => c;

/** `--lab <name>`: which running lab, when several are up. */
export const labOption = (description = 'lab name when several are up'): CliOption => ({ flags: '--lab <name>', description });

export const jsonOption = (description = 'machine-readable output on stdout (progress as NDJSON on stderr)'): CliOption => ({ flags: '--json', description });
