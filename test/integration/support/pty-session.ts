// A program run under a real pseudo-terminal and typed at, as a person would.
//
// Why `script` (util-linux) and not tmux or a PTY package: `script -qfec`
// gives the program a fresh PTY and hands us the master side as two plain
// byte streams (what we type in on stdin, everything the terminal shows on
// stdout, flushed at once with -f), and returns the program's own exit code
// (-e). That is all an expect-style test needs. tmux would put a terminal
// emulator and a server between us and the bytes (we would read a rendered
// screen with capture-pane, poll it, and recover the exit code from a hook);
// a native PTY package (node-pty) is a compiled dependency this project does
// not have. The PTY's size is set inside it with stty before the program
// starts, and changed from outside with `stty -F <its tty>`, which makes the
// kernel send SIGWINCH exactly as a resized terminal window does.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../cli.js';

/** Terminal control sequences (readline's bracketed-paste toggles, colours): not text a test reads. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what starts them
const CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class PtySession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pty-session-'));
  /** What the terminal showed so far, byte for byte. */
  private raw = '';
  /** Where the next `expect` starts reading. */
  private mark = 0;
  /** The program's exit code (script -e passes it on). */
  readonly exited: Promise<number>;

  constructor(argv: string[], size: { rows: number; cols: number } = { rows: 40, cols: 120 }) {
    const script = `tty > ${shq(join(this.dir, 'tty'))}; stty rows ${size.rows} cols ${size.cols}; exec ${argv.map(shq).join(' ')}`;
    this.child = spawn('script', ['-qfec', script, '/dev/null'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (b: Buffer) => {
      this.raw += b.toString('utf8');
    });
    this.child.stderr.on('data', (b: Buffer) => {
      this.raw += b.toString('utf8');
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        rmSync(this.dir, { recursive: true, force: true });
        resolve(code ?? -1);
      });
    });
  }

  /**
   * What the terminal showed so far as text: "\r" (the TTY sends "\r\n") and control
   * sequences dropped; cleaned whole each time, so a sequence split across reads still goes.
   */
  get transcript(): string {
    return this.raw.replace(/\r/g, '').replace(CSI, '');
  }

  /** Waits until the output since the last match matches `re`; fails with the transcript's tail. */
  async expect(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = this.transcript.slice(this.mark).match(re);
      if (m) {
        this.mark += (m.index ?? 0) + m[0].length;
        return m;
      }
      if (performance.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${re} within ${timeoutMs} ms; the terminal showed:\n${this.transcript.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Types `text` (raw bytes: "\x03" is Ctrl-C, "\x04" Ctrl-D). */
  press(text: string): void {
    this.child.stdin.write(text);
  }

  /** Types a line and presses Enter (a terminal sends "\r"). */
  typeLine(line: string): void {
    this.press(`${line}\r`);
  }

  /** Resizes the PTY as a terminal window would: the kernel sends SIGWINCH to the program in it. */
  resize(rows: number, cols: number): void {
    const tty = readFileSync(join(this.dir, 'tty'), 'utf8').trim();
    execFileSync('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)]);
  }

  /** Waits for the program to end on its own; kills it if it has not within `timeoutMs`. */
  async end(timeoutMs = 15_000): Promise<number> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      this.child.stdin.end();
    }
  }
}
