// A live catchment: one long-lived probe agent per client (the agent the
// failover runs use), UDP CHAOS only, read as its answers arrive. A round of
// `dig`s waits for its slowest client, so one query stuck on a frozen PoP held
// every row back; here each client's row is its own newest answer, and a
// whole session costs one exec per client instead of one per client per second.

import { familyOf, monoMs, type Sample, type SampleFamily } from '../contract/sample.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { type ProbeSession, startProbes } from './run-probes.js';
import { familyKey } from './who.js';

export interface CatchmentStreamOptions {
  /** Time between UDP probes per client (default 200 ms). */
  udpIntervalMs?: number;
  /** A probe with no answer after this long counts as lost (default 1000 ms). */
  udpTimeoutMs?: number;
  /** No read for this long stops the agents (default 15 s): the last page closed. */
  idleStopMs?: number;
  /** The agents end themselves after this long, so nothing outlives a crashed orchestrator; the next read starts new ones (default 10 min). */
  sessionMs?: number;
  /** How long the first read waits for every client's first answer (default 2 s). */
  firstAnswerMs?: number;
}

const DEFAULTS = { udpIntervalMs: 200, udpTimeoutMs: 1000, idleStopMs: 15_000, sessionMs: 600_000, firstAnswerMs: 2_000 };

/**
 * How many of the newest samples to look at: more than the probes that can
 * be in flight at once (timeout / interval), for each of the two families a
 * dual-stack agent interleaves.
 */
const LOOKBACK = 32;

/**
 * The PoP of the most recently *sent* UDP probe that has resolved (null: it
 * was lost), or undefined if there is none newer than `staleBeforeMs`.
 * Samples arrive in the order they resolve: a probe that times out on a
 * frozen PoP arrives after newer probes answered by the backup, and must not
 * turn the row back to "no answer".
 */
export function newestAnswer(samples: readonly Sample[], staleBeforeMs: number, family: SampleFamily = 'ipv4'): string | null | undefined {
  let best: Sample | undefined;
  // Each family numbers its own probes: compare seq within one family only.
  for (let i = samples.length - 1; i >= 0 && i >= samples.length - LOOKBACK; i--) {
    const s = samples[i];
    if (s.kind !== 'udp-dns' || s.sentMs < staleBeforeMs || familyOf(s) !== family) continue;
    if (!best || s.seq > best.seq) best = s;
  }
  if (!best) return undefined;
  return best.outcome === 'ok' ? (best.pop ?? null) : null;
}

export interface CatchmentStream {
  /**
   * Client → the PoP answering it now over IPv4 (null: no answer); on a
   * dual-stack lab also familyKey(client, 'ipv6') → the IPv6 one. Starts the
   * agents on first use, and again after they ended.
   */
  read(): Promise<Record<string, string | null>>;
  /** Ends the agents now. */
  close(): Promise<void>;
}

export function catchmentStream(rt: ContainerRuntime, lab: Lab, o: CatchmentStreamOptions = {}): CatchmentStream {
  const opt = { ...DEFAULTS, ...o };
  // A client silent this long has no working agent (its container was
  // recreated, or the exec stream broke): its row says "no answer", and the
  // agents are started again.
  const staleMs = opt.udpTimeoutMs + 2_000;
  interface Running {
    session: ProbeSession;
    startedAt: number;
    idle: NodeJS.Timeout;
  }
  let current: Running | null = null;
  let starting: Promise<Running> | null = null;
  let lastRead = 0;

  const stop = async () => {
    const c = current;
    current = null;
    if (!c) return;
    clearInterval(c.idle);
    await c.session.stop().catch(() => undefined);
  };

  const start = (): Promise<Running> => {
    starting ??= startProbes(
      rt,
      lab,
      lab.clients.map((c) => ({ client: c.name, container: containerName(lab.name, c.name) })),
      {
        maxDurationMs: opt.sessionMs,
        rates: { udpIntervalMs: opt.udpIntervalMs, udpTimeoutMs: opt.udpTimeoutMs, tcpIntervalMs: 0, httpIntervalMs: 0, streams: 0 },
      },
    )
      .then((session) => {
        const idle = setInterval(() => {
          if (performance.now() - lastRead > opt.idleStopMs) void stop();
        }, 1_000).unref();
        const c: Running = { session, startedAt: monoMs(), idle };
        current = c;
        void session.done.then(() => {
          if (current === c) {
            clearInterval(idle);
            current = null;
          }
        });
        return c;
      })
      .finally(() => {
        starting = null;
      });
    return starting;
  };

  const answers = (s: ProbeSession) => {
    const staleBefore = monoMs() - staleMs;
    // The agent probes every family the lab has: one row per client per family, IPv6 under its familyKey.
    return lab.clients.flatMap((c) => lab.families.map((f) => [familyKey(c.name, f), newestAnswer(s.samples(c.name), staleBefore, f)] as const));
  };
  const missing = (rows: ReturnType<typeof answers>) => rows.some(([, p]) => p === undefined);

  return {
    async read() {
      lastRead = performance.now();
      let c: Running = current ?? (await start());
      let rows = answers(c.session);
      if (missing(rows) && monoMs() - c.startedAt > staleMs) {
        // Some agent has gone quiet: start them all again; this read still shows what the others said.
        await stop();
        c = await start();
      }
      // A fresh session: wait for every client's first answer, so the page does not flash "no answer" for all.
      while (missing(rows) && monoMs() - c.startedAt < opt.firstAnswerMs) {
        await new Promise((r) => setTimeout(r, 50));
        rows = answers(c.session);
      }
      return Object.fromEntries(rows.map(([client, pop]) => [client, pop ?? null]));
    },
    close: stop,
  };
}
