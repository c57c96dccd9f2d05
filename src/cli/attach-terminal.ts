// `docker exec -it` for the lab: a command in a node wired to this terminal.
// The container gets a TTY only when our stdin is one (`docker exec -t` is the
// user's choice; here the terminal decides, so `printf … | lab exec fra --
// vtysh` stays a clean pipe with stdout and stderr apart). While attached our
// terminal is raw, so every key (Ctrl-C, Ctrl-D, Tab for vtysh's completion,
// the arrows for its history) goes to the process's own line discipline, and
// it is put back on every way out: the command ends, the engine fails, or we
// are killed by SIGTERM or a hung-up terminal.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import type { ContainerRuntime, TermSize } from '../runtime/runtime.js';

/** This process's side: its three streams and where signals arrive (process, or a stand-in in tests). */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Raw mode on stdin's terminal (off: as it was before). */
  setRaw(on: boolean): void;
  /** Leaves at once with this status (process.exit). */
  exit(code: number): void;
}

export const processTerminal = (): Terminal => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
  setRaw: (on) => {
    process.stdin.setRawMode(on);
    // Node's raw mode keeps output processing (libuv leaves OPOST/ONLCR on), so the "\r\n" the container's own
    // terminal already sends would arrive as "\r\r\n", and a bare "\n" from a full-screen program (vi, top) that
    // means "down one line" would also return the cursor to column 0. `docker exec -t` turns it off; so do we.
    // Turning raw mode off restores the whole saved state, this included. Without stty, only that cosmetic remains.
    if (on) spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  },
  exit: (code) => process.exit(code),
});

/** Signals that end us while the terminal is raw: restored first, then the shell's 128+n status. */
const FATAL = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/** Runs `cmd` in the container attached to the terminal; resolves with its exit code. */
export async function runAttached(rt: ContainerRuntime, id: string, cmd: string[], term: Terminal): Promise<number> {
  // `lab exec c-de -- cat big | head`: the reader has gone. End as a process killed by SIGPIPE does (141, quietly),
  // not with a stack trace from the unhandled write error.
  const readerGone = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    term.exit(128 + constants.signals.SIGPIPE);
  };
  term.stdout.on('error', readerGone);
  try {
    return await attach(rt, id, cmd, term);
  } finally {
    term.stdout.off('error', readerGone);
  }
}

async function attach(rt: ContainerRuntime, id: string, cmd: string[], term: Terminal): Promise<number> {
  if (!term.stdin.isTTY) return rt.execAttached(id, cmd, { tty: false, stdin: term.stdin, stdout: term.stdout, stderr: term.stderr });
  const restore = enterRawMode(term);
  try {
    return await rt.execAttached(id, cmd, {
      tty: true,
      stdin: term.stdin,
      stdout: term.stdout,
      stderr: term.stderr,
      size: windowSize(term),
      onResize: (resize) => onWindowChange(term, resize),
    });
  } finally {
    restore();
  }
}

/** Raw mode on, and a restore that also runs if a signal ends us first; the restore undoes the signal handlers too. */
function enterRawMode(term: Terminal): () => void {
  term.setRaw(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const [sig, h] of handlers) term.signals.off(sig, h);
    try {
      term.setRaw(false);
    } catch {
      // The terminal is gone (SIGHUP): nothing left to restore.
    }
    term.stdin.pause();
  };
  const handlers = FATAL.map((sig) => {
    const h = () => {
      restore();
      term.exit(128 + constants.signals[sig]);
    };
    term.signals.on(sig, h);
    return [sig, h] as const;
  });
  return restore;
}

/** The size the process should draw for: our output terminal's (stdin has no size), as docker does. */
function windowSize(term: Terminal): TermSize | undefined {
  const out = term.stdout.isTTY ? term.stdout : term.stderr.isTTY ? term.stderr : undefined;
  if (!out) return undefined;
  const [cols, rows] = out.getWindowSize();
  return cols > 0 && rows > 0 ? { rows, cols } : undefined;
}

/** SIGWINCH: the kernel's word that our terminal changed size; passed on for as long as the process runs. */
function onWindowChange(term: Terminal, resize: (size: TermSize) => void): () => void {
  const h = () => {
    const size = windowSize(term);
    if (size) resize(size);
  };
  term.signals.on('SIGWINCH', h);
  return () => term.signals.off('SIGWINCH', h);
}
