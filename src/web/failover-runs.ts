// The failover panel's list of past runs: what a run directory's result.json
// says, one line per client. Runs started from the dashboard and runs the CLI
// wrote to its default place (out/failover-<timestamp>/) are listed alike.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailoverResult, FamilyChoice } from '../experiment/failover-result.js';
import { FAILOVER_DIR_PREFIX } from '../report/failover-run.js';
import { formatMs } from '../util/format.js';
import type { RunState } from './failover-live.js';

export interface RunClient {
  client: string;
  /** On the broken PoP at the fault in some trial: expected to move. */
  affected: boolean;
  /** Per trial: the failover time, null when it did not move (affected clients only). */
  failoverMs: (number | null)[];
  /** "c-de 412 ms, 398 ms", "c-us unmoved", "c-jp collateral". */
  text: string;
}

export interface RunEntry {
  /** The run's directory name: `GET /api/failover/runs/:id/result.json`. */
  id: string;
  /** ISO time: when the dashboard started it, or (read from disk) its first fault. */
  at: string;
  /** dashboard: started from this server; disk: found under out/ (a CLI run, or one from an earlier `web`). */
  origin: 'dashboard' | 'disk';
  state: RunState;
  pop: string;
  fault: string;
  /** A dual-stack run's result: the family the fault hit (result.json's faultFamily). */
  faultFamily?: FamilyChoice;
  trials: number;
  error: string | null;
  clients: RunClient[];
  /** Links, present once the file exists. */
  result: string | null;
  report: string | null;
}

/** A directory name we made (`failover-<timestamp>[-n]`): nothing else is read or served. */
export const RUN_ID = new RegExp(`^${FAILOVER_DIR_PREFIX}[0-9TZ-]+$`);

const url = (id: string, file: string) => `/api/failover/runs/${encodeURIComponent(id)}/${file}`;

/** Each client's line over every trial of a finished run. Pure. */
export function runClients(r: Pick<FailoverResult, 'trials'>): RunClient[] {
  const names = [...new Set(r.trials.flatMap((t) => t.clients.map((c) => c.client)))];
  return names.map((client) => {
    const rows = r.trials.flatMap((t) => t.clients.filter((c) => c.client === client));
    const affected = rows.some((c) => c.affected);
    if (affected) {
      const failoverMs = rows.filter((c) => c.affected).map((c) => (c.status === 'moved' ? c.failoverMs : null));
      const parts = rows.filter((c) => c.affected).map((c) => (c.status === 'moved' ? formatMs(c.failoverMs, '?') : c.status));
      return { client, affected, failoverMs, text: `${client} ${parts.join(', ')}` };
    }
    const odd = [...new Set(rows.map((c) => c.status).filter((s) => s !== 'stayed-ok'))];
    return { client, affected, failoverMs: [], text: `${client} ${odd.length ? odd.join(', ') : 'unmoved'}` };
  });
}

/** The list entry of a finished run. Pure. */
export function finishedEntry(id: string, r: FailoverResult, o: { origin: RunEntry['origin']; at?: string; hasReport: boolean }): RunEntry {
  const first = r.trials[0]?.faultAtUnixMs;
  return {
    id,
    at: o.at ?? (first ? new Date(first).toISOString() : new Date(0).toISOString()),
    origin: o.origin,
    state: 'done',
    pop: r.pop,
    fault: r.fault,
    ...(r.faultFamily ? { faultFamily: r.faultFamily } : {}),
    trials: r.trials.length,
    error: null,
    clients: runClients(r),
    result: url(id, 'result.json'),
    report: o.hasReport ? url(id, 'report.html') : null,
  };
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

const looksLikeResult = (x: unknown): x is FailoverResult => {
  const r = x as FailoverResult | null;
  return typeof r?.pop === 'string' && typeof r.fault === 'string' && Array.isArray(r.trials) && r.trials.every((t) => Array.isArray(t?.clients));
};

/**
 * Every `failover-*` directory under `root` with a result.json that reads as
 * one; anything else (a run still writing, a file of another shape) is left
 * out, not an error. Result files never change once written: parsed once.
 */
export function diskRuns(root: string) {
  const cache = new Map<string, RunEntry | null>();
  return async (): Promise<RunEntry[]> => {
    const names = await readdir(root).catch(() => [] as string[]);
    const out: RunEntry[] = [];
    for (const id of names.filter((n) => RUN_ID.test(n))) {
      if (!cache.has(id)) {
        const text = await readFile(join(root, id, 'result.json'), 'utf8').catch(() => null);
        if (text === null) continue; // not written yet: look again next time
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          // a truncated file from a killed run
        }
        const hasReport = await exists(join(root, id, 'report.html'));
        cache.set(id, looksLikeResult(parsed) ? finishedEntry(id, parsed, { origin: 'disk', hasReport }) : null);
      }
      const e = cache.get(id);
      // report.html is written just after result.json: a listing in between must not hide it for good.
      if (e && !e.report && (await exists(join(root, id, 'report.html')))) e.report = url(id, 'report.html');
      if (e) out.push(e);
    }
    return out;
  };
}
