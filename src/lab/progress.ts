// Progress of long operations: which node, which step. The CLI decides how to
// show it (aligned lines for people, NDJSON on stderr with --json).

export interface ProgressEvent {
  /** Node, image or "lab". */
  subject: string;
  step: string;
  detail?: string;
  /** ms since the operation started */
  elapsedMs: number;
}

export interface Progress {
  step(subject: string, step: string, detail?: string): void;
}

export function createProgress(sink: (ev: ProgressEvent) => void, now: () => number = () => performance.now()): Progress {
  const t0 = now();
  return { step: (subject, step, detail) => sink({ subject, step, detail, elapsedMs: Math.round(now() - t0) }) };
}

export function formatProgress(ev: ProgressEvent): string {
  const t = `${(ev.elapsedMs / 1000).toFixed(1)}s`.padStart(7);
  return `[${t}] ${ev.subject.padEnd(8)} ${ev.step}${ev.detail ? ` — ${ev.detail}` : ''}`;
}
