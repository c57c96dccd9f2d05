import type { Writable } from 'node:stream';

// Batches sample lines and writes them every `flushMs`: one write per batch
// instead of ~120 small writes a second keeps the agent's CPU low. Never
// drops: when the reader is slow (write() returns false) lines keep queueing
// in memory until 'drain'.

export class NdjsonWriter {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private written = 0;

  constructor(
    private readonly out: Writable,
    private readonly flushMs: number,
  ) {}

  /** Lines accepted so far (queued or written). */
  get count(): number {
    return this.written + this.lines.length;
  }

  write(value: unknown): void {
    this.lines.push(JSON.stringify(value));
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Writes everything queued, then `last` if given, and resolves once the stream has taken it. */
  async close(last?: unknown): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waitingDrain) await new Promise((r) => this.out.once('drain', r));
    if (last !== undefined) this.lines.push(JSON.stringify(last));
    if (this.lines.length === 0) return;
    const chunk = this.take();
    await new Promise<void>((resolve, reject) => this.out.write(chunk, (err) => (err ? reject(err) : resolve())));
  }

  private flush(): void {
    this.timer = undefined;
    if (this.waitingDrain || this.lines.length === 0) return;
    if (!this.out.write(this.take())) {
      this.waitingDrain = true;
      this.out.once('drain', () => {
        this.waitingDrain = false;
        this.flush();
      });
    }
  }

  private take(): string {
    const chunk = `${this.lines.join('\n')}\n`;
    this.written += this.lines.length;
    this.lines = [];
    return chunk;
  }
}
