// The dashboard's failover panel: a run from the page is the CLI's
// `failover` (source.runFailover → recordFailover), one at a time, watched
// live, and kept in a list with the runs the CLI wrote to out/.
//
// Serialised with the PoP cards by refusal, not by a queue: a run needs every
// client at its baseline, so it is refused while a card has a PoP broken, and
// the cards' break/restore/withdraw/announce are refused while a run is on.
// A queued action would run minutes after the click, on a lab the trainer no
// longer looks at.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROBE_DEFAULTS } from '../agent/probe/config.js';
import { LabError } from '../errors.js';
import { judgedPop } from '../experiment/failover.js';
import { FAULT_MODES, faultMode } from '../fault/index.js';
import { monoMs } from '../probe/sample.js';
import { FAILOVER_DIR_PREFIX } from '../report/failover-run.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { timestamp } from '../util/timestamp.js';
import { type FailoverLiveView, type LiveRun, liveRun, type RunRequest } from './failover-live.js';
import { diskRuns, finishedEntry, RUN_ID, type RunEntry } from './failover-runs.js';
import { brokenLabel, type DashboardSource } from './source.js';

/** The panel's trials: a wall demo, not a benchmark (`lab failover --trials 50` is the CLI's). */
export const MAX_PANEL_TRIALS = 5;
/**
 * How often a running trial's timeline is redrawn and sent (a render is 3–9 ms,
 * see failover-live.ts). Twice a second: live enough for a wall, and the
 * browser redrawing the SVG competes for the cores the measurement runs on.
 */
const LIVE_EVERY_MS = 500;

/** The POST body, checked field by field: each message names its field and what it accepts. */
export function parseRunRequest(body: unknown, pops: string[]): RunRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LabError('USAGE', 'Expected a JSON object like {"pop":"fra","mode":"freeze","trials":1}');
  const b = body as Record<string, unknown>;
  if (typeof b.pop !== 'string' || !pops.includes(b.pop))
    throw new LabError('USAGE', `Expected \`pop\` to be one of the PoPs (${pops.join(', ')}), got ${JSON.stringify(b.pop ?? null)}`);
  const modes = FAULT_MODES.map((m) => m.name);
  if (typeof b.mode !== 'string' || !modes.includes(b.mode))
    throw new LabError('USAGE', `Expected \`mode\` to be a fault mode (${modes.join(', ')}), got ${JSON.stringify(b.mode ?? null)}`);
  const trials = b.trials ?? 1;
  if (typeof trials !== 'number' || !Number.isInteger(trials) || trials < 1 || trials > MAX_PANEL_TRIALS)
    throw new LabError('USAGE', `Expected \`trials\` to be an integer from 1 to ${MAX_PANEL_TRIALS}, got ${JSON.stringify(trials)}`);
  return { pop: b.pop, mode: b.mode, trials };
}

interface Active {
  entry: RunEntry;
  abort: AbortController;
  done: Promise<void>;
}

export interface FailoverPanel {
  /** Starts a run in the background; LAB_BUSY (409) if one is on or a PoP is broken from its card. */
  start(body: unknown): RunEntry;
  /** Aborts the running run (its fault is restored); NOT_FOUND if none. */
  stop(): RunEntry;
  /** The id of the run in progress, for the cards to refuse their actions. */
  running(): string | null;
  /** Newest first: this server's runs, then every run found on disk. */
  runs(): Promise<RunEntry[]>;
  /** A listed run's result.json or report.html; NOT_FOUND otherwise. */
  file(id: string, name: 'result.json' | 'report.html'): Promise<string>;
  /** The live view now, and on every change; returns the unsubscribe. */
  subscribe(fn: (v: FailoverLiveView) => void): () => void;
  /** Stops a run and waits for its restore (the dashboard is shutting down). */
  close(): Promise<void>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function failoverPanel(source: DashboardSource, now: () => Date = () => new Date()): FailoverPanel {
  const lab = source.topology();
  const pops = anycastRouters(lab).map((r) => r.name);
  const root = source.failoverRunsDir();
  const onDisk = diskRuns(root);
  const mine: RunEntry[] = [];
  const listeners = new Set<(v: FailoverLiveView) => void>();
  let active: Active | null = null;
  let latest: FailoverLiveView | null = null;
  let ticker: NodeJS.Timeout | undefined;

  const publish = (live: LiveRun) => {
    latest = live.view(monoMs());
    for (const l of listeners) l(latest);
  };

  /** A fresh directory name (checked synchronously, so a second POST cannot take it): a run within the same second gets -2, -3… */
  const freshId = (): string => {
    const base = `${FAILOVER_DIR_PREFIX}${timestamp(now())}`;
    let id = base;
    for (let n = 2; mine.some((e) => e.id === id) || existsSync(join(root, id)); n++) id = `${base}-${n}`;
    return id;
  };

  const find = async (id: string): Promise<RunEntry | undefined> =>
    RUN_ID.test(id) ? (mine.find((e) => e.id === id) ?? (await onDisk()).find((e) => e.id === id)) : undefined;

  return {
    start(body) {
      const req = parseRunRequest(body, pops);
      if (active) {
        const a = active.entry;
        throw new LabError(
          'LAB_BUSY',
          `a failover run is already running: ${a.id} (${a.fault} ${a.pop}, ${a.trials} trial${a.trials === 1 ? '' : 's'}); wait for it or stop it`,
        );
      }
      const broken = Object.entries(source.faults());
      if (broken.length)
        throw new LabError(
          'LAB_BUSY',
          `${broken.map(([p, b]) => `${p} is broken (${brokenLabel(b)})`).join(', ')} from its card: restore it first, a failover run starts from every client at its baseline`,
        );
      const entry: RunEntry = {
        id: freshId(),
        at: now().toISOString(),
        origin: 'dashboard',
        state: 'running',
        pop: req.pop,
        fault: req.mode,
        trials: req.trials,
        error: null,
        clients: [],
        result: null,
        report: null,
      };
      const abort = new AbortController();
      const live = liveRun(lab, entry.id, req, judgedPop(faultMode(req.mode), req.pop), PROBE_DEFAULTS.udpIntervalMs);
      mine.unshift(entry);
      publish(live);
      ticker = setInterval(() => {
        if (live.probing) publish(live);
      }, LIVE_EVERY_MS);
      const done = (async () => {
        try {
          try {
            const outDir = join(root, entry.id);
            await mkdir(outDir, { recursive: true });
            const rec = await source.runFailover(
              { ...req, outDir },
              {
                live: (ev) => {
                  live.on(ev);
                  publish(live);
                },
                step: (subject, step, detail) => {
                  live.step(`${subject} ${step}${detail ? ` — ${detail}` : ''}`);
                  publish(live);
                },
                signal: abort.signal,
              },
            );
            Object.assign(entry, finishedEntry(entry.id, rec.result, { origin: 'dashboard', at: entry.at, hasReport: true }));
            live.finish('done');
          } catch (e) {
            entry.state = abort.signal.aborted ? 'stopped' : 'failed';
            entry.error = abort.signal.aborted ? 'stopped from the dashboard; the fault was restored' : message(e);
            live.finish(entry.state, entry.error);
          }
        } finally {
          clearInterval(ticker);
          active = null;
          publish(live);
        }
      })();
      active = { entry, abort, done };
      return entry;
    },
    stop() {
      if (!active) throw new LabError('NOT_FOUND', 'no failover run is running');
      active.abort.abort();
      return active.entry;
    },
    running: () => active?.entry.id ?? null,
    async runs() {
      const ids = new Set(mine.map((e) => e.id));
      const disk = (await onDisk()).filter((e) => !ids.has(e.id));
      return [...mine, ...disk].sort((a, b) => b.at.localeCompare(a.at));
    },
    async file(id, name) {
      const e = await find(id);
      const link = e && (name === 'result.json' ? e.result : e.report);
      if (!e || !link) throw new LabError('NOT_FOUND', `no ${name} for run "${id}"; the runs are listed by GET /api/failover`);
      return readFile(join(root, e.id, name), 'utf8');
    },
    subscribe(fn) {
      listeners.add(fn);
      if (latest) fn(latest);
      return () => listeners.delete(fn);
    },
    async close() {
      const a = active;
      if (!a) return;
      a.abort.abort();
      await a.done;
    },
  };
}
