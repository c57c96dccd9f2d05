// Lifecycle logging for the agents: one JSON object per line on stderr, which
// `docker logs` keeps. Never called per query.
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(agent: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) => write(`${JSON.stringify({ ts: Date.now(), agent, level, msg, ...fields })}\n`);
  return { info: (m, f) => emit('info', m, f), error: (m, f) => emit('error', m, f) };
}

export const silentLogger: Logger = { info: () => {}, error: () => {} };

export const errorFields = (e: unknown): Record<string, unknown> =>
  e instanceof Error ? { error: e.message, code: (e as NodeJS.ErrnoException).code, stack: e.stack } : { error: String(e) };
