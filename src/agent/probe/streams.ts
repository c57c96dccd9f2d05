import net from 'node:net';
import type { Outcome, ProbeSummary, Sample } from '../../contract/sample.js';
import type { ProbeContext } from './context.js';
import { errorDetail, outcomeOfError } from './outcome.js';

/** `pop=<id> seq=<n> ts=<unix ms>` → its fields; undefined for anything else. */
export function parseStreamLine(line: string): { pop: string; seq?: number } | undefined {
  const pop = /(?:^|\s)pop=(\S+)/.exec(line)?.[1];
  if (!pop) return undefined;
  const seq = /(?:^|\s)seq=(\d+)/.exec(line)?.[1];
  return seq === undefined ? { pop } : { pop, seq: Number(seq) };
}

export interface StreamSet {
  /** Closes every stream without reporting the agent's own close as a stream end. */
  stop(): void;
  summary(): ProbeSummary['streams'];
}

/**
 * N long-lived TCP connections to the stream port. Each line is a sample;
 * each end of a connection is one sample (reset, timeout = no line for
 * streamIdleMs, closed, refused…) and the stream reconnects. This shows what
 * established connections suffer in a failover, which fresh probes cannot.
 */
export function startStreams(ctx: ProbeContext): StreamSet {
  const { config, now, emit } = ctx;
  const stats: ProbeSummary['streams'] = { count: config.streams, connects: 0, lines: 0, badLines: 0, ends: {} };
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const run = (stream: number): void => {
    let seq = 0;
    let conn = -1;
    const connect = (): void => {
      if (stopped) return;
      conn++;
      stats.connects++;
      const thisConn = conn;
      let lastMs = now();
      let lines = 0;
      let partial = '';
      let end: { outcome: Outcome; detail: string } | undefined;
      const socket = net.connect({ host: config.stream.address, port: config.stream.port });
      sockets.add(socket);
      const base = { client: config.client, kind: 'stream' as const, stream, conn: thisConn };

      const idle = setTimeout(() => {
        end ??= { outcome: 'timeout', detail: `no line for ${config.streamIdleMs} ms${lines === 0 ? ' (connect)' : ''}` };
        socket.destroy();
      }, config.streamIdleMs);
      socket.on('data', (chunk) => {
        const recvMs = now();
        idle.refresh();
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          if (line.trim() === '') continue;
          const parsed = parseStreamLine(line);
          // Only counted: a non-ok stream sample always means "this connection ended".
          if (!parsed) {
            stats.badLines++;
            continue;
          }
          lastMs = recvMs;
          lines++;
          stats.lines++;
          const s: Sample = { ...base, seq: seq++, sentMs: recvMs, recvMs, pop: parsed.pop, outcome: 'ok' };
          if (parsed.seq !== undefined) s.serverSeq = parsed.seq;
          emit(s);
        }
      });
      socket.on('error', (err) => {
        end ??= { outcome: outcomeOfError(err), detail: errorDetail(err) };
      });
      socket.on('close', () => {
        clearTimeout(idle);
        sockets.delete(socket);
        if (stopped) return;
        const e = end ?? { outcome: 'closed' as const, detail: 'peer closed' };
        stats.ends[e.outcome] = (stats.ends[e.outcome] ?? 0) + 1;
        emit({ ...base, seq: seq++, sentMs: lastMs, recvMs: now(), outcome: e.outcome, detail: `${e.detail} after ${lines} lines` });
        const t = setTimeout(() => {
          timers.delete(t);
          connect();
        }, config.reconnectDelayMs);
        timers.add(t);
      });
    };
    connect();
  };

  for (let i = 0; i < config.streams; i++) run(i);
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
    },
    summary: () => stats,
  };
}
