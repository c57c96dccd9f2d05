// Counts probes still waiting for an answer, so shutdown can wait for them
// (each one ends by its own timeout at the latest) before the summary.

export class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.n;
  }

  add(): void {
    this.n++;
  }

  done(): void {
    if (--this.n > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Resolves when nothing is in flight, or after `deadlineMs` regardless. */
  drained(deadlineMs: number): Promise<void> {
    if (this.n === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, deadlineMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
