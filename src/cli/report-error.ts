// The error edge: the one place that turns an error into text on stderr and
// an exit code (EXIT_CODES in errors.ts: 2 bad input, 1 run-time failure,
// 130 interrupted). A LabError's message is written for the user, so it is
// shown without a stack trace unless --debug / ANYCAST_DEBUG=1 asks for one;
// anything else is a bug or an unexpected failure, shown with a hint.
import { CommanderError } from 'commander';
import { EXIT_CODES, LabError, LabFileError } from '../errors.js';

export interface ErrorReport {
  /** What goes to stderr ('' when commander has already said it). */
  text: string;
  exitCode: number;
}

const DEBUG_HINT = 'rerun with --debug (before the command name) or ANYCAST_DEBUG=1 for the stack trace';

/** Pure: the text and exit code for an error. */
export function describeError(err: unknown, debug = false): ErrorReport {
  // commander has printed its message (and the help) already; --help and --version end with 0.
  if (err instanceof CommanderError) return { text: '', exitCode: err.exitCode === 0 ? 0 : EXIT_CODES.USAGE };
  const trace = debug ? stackOf(err) : '';
  if (err instanceof LabFileError) return { text: `error: invalid lab file\n${err.message}\n${trace}`, exitCode: EXIT_CODES.LAB_FILE };
  if (err instanceof LabError) return { text: `error [${err.code}]: ${err.message}\n${trace}`, exitCode: EXIT_CODES[err.code] };
  const message = err instanceof Error ? err.message : String(err);
  return { text: `error: ${message}\n${trace || `(unexpected: ${DEBUG_HINT})\n`}`, exitCode: 1 };
}

export function reportError(err: unknown, opts: { debug: boolean; write?: (text: string) => void }): void {
  const r = describeError(err, opts.debug);
  if (r.text) (opts.write ?? ((t) => process.stderr.write(t)))(r.text);
  process.exitCode = r.exitCode;
}

/** The stack, then each cause's, for --debug. */
function stackOf(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown })?.cause, depth++) {
    out.push(`${depth ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  return `${out.join('\n')}\n`;
}
