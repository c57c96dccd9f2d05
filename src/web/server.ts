// The dashboard's HTTP server (hono on node): the page and its assets from
// the package, the lab model, one SSE stream of snapshots (and of the
// failover panel's live run), the looking glass, the past failover runs, and,
// only with --control, the actions: drain, break/restore, a failover run.

import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { LabError } from '../errors.js';
import { checkFaultFamily, FAULT_MODES, faultMode } from '../fault/index.js';
import type { LabStatus } from '../lab/status.js';
import { REPO_ROOT } from '../paths.js';
import { type Catchment, sameCatchment } from '../policy/catchment.js';
import { expectedPop } from '../probe/ask-clients.js';
import { isDualStack } from '../topology/families.js';
import type { Family, Lab } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { topologyElements } from './elements.js';
import type { FailoverLiveView } from './failover-live.js';
import { failoverPanel, MAX_PANEL_TRIALS } from './failover-panel.js';
import { popColours } from './pop-colours.js';
import { buildEvent, type DashboardEvent } from './snapshot.js';
import type { DashboardSource } from './source.js';

export interface DashboardOptions {
  /** Drain actions allowed (`web --control`); otherwise every POST is refused. */
  control: boolean;
  /** Time between snapshot starts; a slow snapshot delays the next, never overlaps it (default 1000). */
  intervalMs?: number;
  /** Time between catchment reads (default intervalMs): the live source's are cheap, its agents probe every 200 ms. */
  catchmentIntervalMs?: number;
}

// From the repository root, not import.meta.url: this module also runs from the CLI bundle under dist/.
const PAGE_DIR = join(REPO_ROOT, 'src', 'web', 'page');
const PAGE_FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
// Runs in the page, not in node: knip cannot see this use (knip.json ignores it).
const CYTOSCAPE = createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js');

/**
 * Snapshots are taken only while a browser listens, shared by every listener
 * (ten open tabs cost what one does). Status and catchment are polled in two
 * loops, each at most once per its interval and never overlapping itself, so
 * a slow `status` (vtysh in every router) never holds back the catchment.
 * Every status poll publishes a new event; a catchment poll only when a row changed.
 */
/**
 * While a failover run is on, the page watches the run's own probes: the
 * catchment agents are stopped and `status` (an exec in every router) slows
 * to one read in STATUS_QUIET_FACTOR intervals, so the dashboard does not load
 * the 2 cores the measurement runs on. (A panel run with both at full rate
 * saw BFD flap on several sessions and c-de change PoPs 12 times.)
 */
const STATUS_QUIET_FACTOR = 5;

function snapshotLoop(source: DashboardSource, intervalMs: number, catchmentIntervalMs: number, quiet: () => boolean = () => false) {
  const lab = source.topology();
  const listeners = new Set<(ev: DashboardEvent) => void>();
  const wakers = new Set<() => void>();
  let status: LabStatus | null = null;
  let catchment: Catchment | null = null;
  const seen = { status: false, catchment: false };
  const errors: Record<keyof typeof seen, string | null> = { status: null, catchment: null };
  let latest: DashboardEvent | null = null;
  let seq = 0;
  let active = false;

  const publish = () => {
    // Not before both have answered once: a page must not flash "no answer" for every client.
    if (!seen.status || !seen.catchment) return;
    latest = buildEvent(
      lab,
      ++seq,
      new Date(),
      status,
      catchment,
      Object.values(errors).filter((e): e is string => e !== null),
      source.faults(),
    );
    for (const l of listeners) l(latest);
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      wakers.add(wake);
    });

  async function poll<K extends keyof typeof seen>(name: K, everyMs: number, read: () => Promise<K extends 'status' ? LabStatus : Catchment>) {
    while (listeners.size) {
      const t0 = performance.now();
      if (name === 'catchment' && quiet() && seen.catchment) {
        await pause(everyMs);
        continue;
      }
      let value: LabStatus | Catchment | null = null;
      const errorBefore = errors[name];
      try {
        value = await read();
        errors[name] = null;
      } catch (e) {
        errors[name] = `${name}: ${message(e)}`;
      }
      let changed = true;
      if (name === 'status') status = value as LabStatus | null;
      else {
        const next = value as Catchment | null;
        changed = !seen.catchment || errors[name] !== errorBefore || !next !== !catchment || (!!next && !!catchment && !sameCatchment(next, catchment));
        catchment = next;
      }
      seen[name] = true;
      if (!listeners.size) break;
      if (changed) publish();
      const rest = (name === 'status' && quiet() ? everyMs * STATUS_QUIET_FACTOR : everyMs) - (performance.now() - t0);
      if (rest > 0) await pause(rest);
    }
  }

  const start = () => {
    if (active) return;
    active = true;
    void Promise.all([poll('status', intervalMs, () => source.status()), poll('catchment', catchmentIntervalMs, () => source.catchment())]).finally(() => {
      active = false;
      // Someone subscribed while the loops were winding down.
      if (listeners.size) start();
    });
  };

  return {
    subscribe(fn: (ev: DashboardEvent) => void): () => void {
      listeners.add(fn);
      if (latest) fn(latest);
      start();
      return () => listeners.delete(fn);
    },
    /** Poll again now (after an action), without waiting for the interval. */
    poke: () => {
      for (const w of [...wakers]) w();
    },
  };
}

const STATUS_OF: Partial<Record<LabError['code'], 400 | 404 | 409>> = { USAGE: 400, NOT_FOUND: 404, LAB_BUSY: 409 };
const errorStatus = (e: unknown): 400 | 404 | 409 | 500 => (e instanceof LabError ? (STATUS_OF[e.code] ?? 500) : 500);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A request from another origin's page (pure): its Origin is not this host, or the browser says cross-site. Tools without those headers (curl, tests) pass. */
export function crossSite(origin: string | undefined, fetchSite: string | undefined, host: string | undefined): boolean {
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
  if (origin === undefined || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

/**
 * A card's break aimed at one family (`?family=ipv6`): checked as `break
 * --family` checks it (a mode that can aim, a dual-stack lab). `both` or
 * none: the PoP as a whole. Undefined when the break hits every family.
 */
function breakFamily(lab: Pick<Lab, 'name' | 'families'>, mode: string, family: string | undefined): Family | undefined {
  if (family === undefined || family === '' || family === 'both') return undefined;
  if (family !== 'ipv4' && family !== 'ipv6') throw new LabError('USAGE', `Expected \`family\` to be ipv4, ipv6 or both, got "${family}"`);
  checkFaultFamily(faultMode(mode), lab, family);
  return family;
}

const readOnly = (what: string) => ({ error: `read-only dashboard: start it with \`npm run lab -- web --control\` to ${what}` });

export interface Dashboard {
  app: Hono;
  /** Stops a failover run in progress and waits for its restore. */
  close(): Promise<void>;
}

export const dashboardApp = (source: DashboardSource, o: DashboardOptions): Hono => dashboard(source, o).app;

export function dashboard(source: DashboardSource, o: DashboardOptions): Dashboard {
  const lab = source.topology();
  const intervalMs = o.intervalMs ?? 1000;
  const panel = failoverPanel(source);
  const loop = snapshotLoop(source, intervalMs, o.catchmentIntervalMs ?? intervalMs, () => panel.running() !== null);
  const app = new Hono();
  /** The cards' actions wait for no run: a break in the middle of a trial would be measured as part of it. */
  const busy = (action: string) => {
    const id = panel.running();
    return id ? { error: `a failover run (${id}) is running: ${action} after it ends, or stop it` } : null;
  };

  // 127.0.0.1 is not a wall against a browser: any page the trainer opens
  // could POST here. A change must come from this dashboard's own page, so a
  // request another site's page sent (its Origin, or Sec-Fetch-Site) is refused.
  app.use('/api/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && crossSite(c.req.header('origin'), c.req.header('sec-fetch-site'), new URL(c.req.url).host)) {
      return c.json({ error: 'refused: this request came from another site’s page; use the dashboard itself' }, 403);
    }
    await next();
  });

  for (const [route, file] of Object.entries(PAGE_FILES)) {
    app.get(route, async (c) => {
      const body = await readFile(join(PAGE_DIR, file), 'utf8');
      return c.body(body, 200, { 'content-type': TYPES[file.split('.').pop() ?? ''], 'cache-control': 'no-cache' });
    });
  }
  app.get('/vendor/cytoscape.min.js', async (c) => c.body(await readFile(CYTOSCAPE, 'utf8'), 200, { 'content-type': TYPES.js }));

  app.get('/api/topology', (c) =>
    c.json({
      lab: lab.name,
      prefix: lab.anycast.prefix,
      // A dual-stack lab only: the page then shows each client's IPv6 PoP beside its IPv4 one.
      ...(lab.anycast.ipv6 ? { prefix6: lab.anycast.ipv6.prefix } : {}),
      control: o.control,
      elements: topologyElements(lab),
      pops: anycastRouters(lab).map((r) => ({ name: r.name, colo: r.colo ?? r.name, location: r.location })),
      // A dual-stack lab marks the modes a break can aim at one family: the page offers the choice for those only.
      faultModes: FAULT_MODES.map((m) => ({ name: m.name, summary: m.summary, ...(isDualStack(lab) && m.perFamily ? { perFamily: true } : {}) })),
      maxTrials: MAX_PANEL_TRIALS,
      colours: popColours(lab),
      routers: lab.routers.map((r) => ({ name: r.name, role: r.role, asn: r.asn, location: r.location })),
      clients: lab.clients.map((cl) => ({
        name: cl.name,
        location: cl.location,
        eyeball: cl.eyeball,
        expected: cl.expect?.pop ?? null,
        ...(lab.anycast.ipv6 ? { expected6: expectedPop(cl, 'ipv6') } : {}),
      })),
    }),
  );

  app.get('/api/lg/:router', async (c) => {
    try {
      return c.json(await source.lookingGlass(c.req.param('router')));
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: ({ snapshot: DashboardEvent } | { failover: FailoverLiveView })[] = [];
      let notify: (() => void) | null = null;
      const stop = loop.subscribe((ev) => {
        queue.push({ snapshot: ev });
        notify?.();
      });
      const stopPanel = panel.subscribe((v) => {
        // Only the newest picture of a run matters: a slow reader skips the frames it missed.
        const i = queue.findIndex((q) => 'failover' in q);
        if (i >= 0) queue.splice(i, 1);
        queue.push({ failover: v });
        notify?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        stop();
        stopPanel();
        notify?.();
      });
      try {
        while (!closed) {
          const ev = queue.shift();
          if (ev && 'snapshot' in ev) await stream.writeSSE({ event: 'snapshot', id: String(ev.snapshot.seq), data: JSON.stringify(ev.snapshot) });
          else if (ev) await stream.writeSSE({ event: 'failover', data: JSON.stringify(ev.failover) });
          else
            await new Promise<void>((resolve) => {
              notify = resolve;
            });
          notify = null;
        }
      } finally {
        stop();
        stopPanel();
      }
    }),
  );

  app.get('/api/failover', async (c) => c.json({ running: panel.running(), runs: await panel.runs() }));

  app.post('/api/failover', async (c) => {
    if (!o.control) return c.json(readOnly('run a failover'), 403);
    try {
      const body = await c.req.json().catch(() => {
        throw new LabError('USAGE', 'Expected a JSON object like {"pop":"fra","mode":"freeze","trials":1}');
      });
      return c.json(panel.start(body), 202);
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  app.post('/api/failover/stop', (c) => {
    if (!o.control) return c.json(readOnly('stop a failover run'), 403);
    try {
      return c.json(panel.stop());
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  app.get('/api/failover/runs/:id/:file{result\\.json|report\\.html}', async (c) => {
    const { id, file } = c.req.param();
    try {
      const body = await panel.file(id, file as 'result.json' | 'report.html');
      return file === 'result.json'
        ? c.body(body, 200, { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${id}-result.json"` })
        : c.body(body, 200, { 'content-type': TYPES.html });
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  app.post('/api/pops/:pop/:action{withdraw|announce}', async (c) => {
    const { pop, action } = c.req.param();
    if (!o.control) return c.json(readOnly(`${action} a PoP`), 403);
    const conflict = busy(`${action} ${pop}`);
    if (conflict) return c.json(conflict, 409);
    try {
      const report = await source.setDrain(pop, action === 'withdraw');
      loop.poke();
      return c.json(report);
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  app.post('/api/pops/:pop/:action{break|restore}/:mode', async (c) => {
    const { pop, action, mode } = c.req.param();
    if (!o.control) return c.json(readOnly(`${action} a PoP`), 403);
    const conflict = busy(`${action} ${pop}`);
    if (conflict) return c.json(conflict, 409);
    try {
      const family = action === 'break' ? breakFamily(lab, mode, c.req.query('family')) : undefined;
      const report = await source.setFault(pop, mode, action === 'break', family);
      loop.poke();
      return c.json(report);
    } catch (e) {
      return c.json({ error: message(e) }, errorStatus(e));
    }
  });

  return { app, close: () => panel.close() };
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 only: the dashboard (and with --control, its actions) is for this host. Port 0 picks a free one. */
export async function startDashboard(source: DashboardSource, o: DashboardOptions & { port: number }): Promise<RunningDashboard> {
  const { app, close } = dashboard(source, o);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: o.port, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new LabError('USAGE', `port ${o.port} on 127.0.0.1 is in use; pick another with --port`, { cause: e }) : e),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      // A run in progress is stopped first: its fault is restored before the probes' source goes away.
      await close();
      await new Promise<void>((resolve) => {
        // Open SSE streams would hold close() forever.
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await source.close?.();
    },
  };
}
