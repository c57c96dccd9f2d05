// Live policy on a running lab: change a session's route-map or drain a PoP,
// then watch the catchment move, asked from inside every client. One core for
// the CLI (`lab policy`, `announce`, `withdraw`, `up --reset`) and the
// exercises. Nothing here resets a BGP session: route-maps are re-run with a
// soft clear, and a drain goes through the PoP's own health checker.

import { DRAIN_MARKER_TEST, isDrained, POP_PATHS } from '../contract/agent.js';
import { LabError } from '../errors.js';
import { describeOverrides, readOverrides } from '../lab/overrides.js';
import { overrideCommands, type PolicyKind, type PolicyRequest, requestChanges, sessionPolicies, vtyshPolicyCommands } from '../lab/policy-overrides.js';
import type { Progress } from '../lab/progress.js';
import { vtysh } from '../lab/router-query.js';
import { askCatchment } from '../probe/ask-clients.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { isDualStack } from '../topology/families.js';
import { findRouter, type Lab, type Router } from '../topology/model.js';
import { anycastRouters, roleSpec } from '../topology/roles/registry.js';
import { waitUntil } from '../util/wait.js';
import { type Catchment, type CatchmentPoll, type ChangeReport, familyCatchmentRows, SETTLE_DEFAULTS, type SettleOptions, settle } from './catchment.js';

export interface LiveOptions {
  progress: Progress;
  /** How long the catchment may take to settle (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  settle?: SettleOptions;
  /** Pause between polls (default 250 ms); each poll also takes its dig's round trip. */
  pollEveryMs?: number;
  /** Monotonic ms (default performance.now). */
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** The health checker looks for the drain marker once per check interval (200 ms in the default lab). */
const DRAIN_SEEN_MS = 5_000;

interface Watched {
  after: Catchment;
  shiftMs: number | null;
  settled: boolean;
  polls: number;
  pollEveryMs: number;
}

/** Every family's catchment in one poll (familyKey): a change that moves only IPv6 is seen, and settles, like any other. */
const askCatchments = (rt: ContainerRuntime, lab: Lab): Promise<Catchment> => askCatchment(rt, lab, lab.families);

/** Polls from `t0` (the apply) until the catchment is settled or the deadline passes. */
async function watchCatchment(rt: ContainerRuntime, lab: Lab, before: Catchment, t0: number, o: LiveOptions): Promise<Watched> {
  const now = o.now ?? (() => performance.now());
  const polls: CatchmentPoll[] = [];
  const done = await waitUntil(
    async () => {
      const catchment = await askCatchments(rt, lab);
      polls.push({ atMs: Math.round(now() - t0), catchment });
      return settle(before, polls, o.settle ?? SETTLE_DEFAULTS);
    },
    { timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS, intervalMs: o.pollEveryMs ?? 250, signal: o.signal, now },
  );
  const last = polls.at(-1);
  const pollEveryMs = polls.length > 1 ? Math.round((polls[polls.length - 1].atMs - polls[0].atMs) / (polls.length - 1)) : 0;
  return { after: done?.final ?? last?.catchment ?? before, shiftMs: done ? done.shiftMs : null, settled: !!done, polls: polls.length, pollEveryMs };
}

/**
 * The shape every live change shares: catchment before, apply (returns what
 * it ran), catchment until settled. `apply` returning nothing means there was
 * nothing to do: the catchment is asked once. Also `break`/`restore` (fault/manual.ts).
 */
export async function measureChange(
  rt: ContainerRuntime,
  lab: Lab,
  change: string,
  apply: () => Promise<{ applied: ChangeReport['applied']; notes?: string[]; appliedAt?: number } | null>,
  o: LiveOptions,
): Promise<ChangeReport> {
  const now = o.now ?? (() => performance.now());
  o.progress.step('lab', 'catchment', `asking ${lab.clients.length} clients which PoP answers`);
  const before = await askCatchments(rt, lab);
  o.progress.step('lab', 'apply', change);
  const done = await apply();
  if (!done) {
    return {
      lab: lab.name,
      change,
      applied: [],
      catchment: familyCatchmentRows(before, before, lab.families),
      shiftMs: null,
      settled: true,
      polls: 0,
      pollEveryMs: 0,
      notes: [],
    };
  }
  // A drain's clock starts when the marker appeared, not when the checker confirmed it.
  const t0 = done.appliedAt ?? now();
  o.progress.step('lab', 'watch', `polling the catchment until it is stable (deadline ${((o.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000).toFixed(0)} s)`);
  const w = await watchCatchment(rt, lab, before, t0, o);
  return {
    lab: lab.name,
    change,
    applied: done.applied,
    catchment: familyCatchmentRows(before, w.after, lab.families),
    shiftMs: w.shiftMs,
    settled: w.settled,
    polls: w.polls,
    pollEveryMs: w.pollEveryMs,
    notes: done.notes ?? [],
  };
}

const shown = (kind: PolicyKind, v: number | null): string => (v === null || (kind === 'prepend' && v === 0) ? 'none' : String(v));

/**
 * `policy <router> <neighbor> <kind> <n> | reset`, applied with a soft clear,
 * and its effect on the catchment of the requests' families. Several requests
 * (one per family, same router and neighbour) apply together: one vtysh run.
 */
export async function applyPolicy(rt: ContainerRuntime, lab: Lab, requests: PolicyRequest | readonly PolicyRequest[], o: LiveOptions): Promise<ChangeReport> {
  const reqs: readonly PolicyRequest[] = Array.isArray(requests) ? requests : [requests as PolicyRequest];
  const first = reqs[0];
  if (!first) throw new LabError('USAGE', 'policy: no session to change');
  const r = first.router.name;
  const n = first.neighbor.name;
  const container = containerName(lab.name, r);
  const config = await vtysh(rt, container, 'show running-config');
  const tagged = isDualStack(lab);
  const planned = reqs.map((req) => {
    const running = sessionPolicies(config, req.family).get(n);
    const changes = requestChanges(req, running);
    const fam = tagged ? `${req.family} ` : '';
    const what =
      req.change.kind === 'reset'
        ? `${fam}reset to the lab file${changes.length ? ` (${changes.map((c) => `${c.kind} ${shown(c.kind, c.value)}`).join(', ')})` : ''}`
        : `${fam}${req.change.kind} ${req.change.value} (was ${shown(req.change.kind, running?.[req.change.kind] ?? null)}, lab file ${shown(req.change.kind, req.base[req.change.kind])})`;
    return { req, changes, what };
  });
  const arrow = first.change.kind === 'reset' ? '↔' : first.change.kind === 'local-pref' ? '←' : '→';
  const what = `${r} ${arrow} ${n}: ${planned.map((p) => p.what).join('; ')}`;
  const changes = planned.flatMap((p) => p.changes.map((c) => ({ ...c, neighbor: n, peerAddress: p.req.peerAddress, family: p.req.family })));
  return measureChange(
    rt,
    lab,
    what,
    async () => {
      if (!changes.length) return null;
      const commands = vtyshPolicyCommands(first.router.asn, changes);
      await vtysh(rt, container, ...commands);
      return { applied: [{ node: r, commands }] };
    },
    o,
  );
}

/** `commands`: what acts on PoPs only, for the error ("announce/withdraw"). */
export function checkAnycastRouter(lab: Lab, name: string, commands = 'announce/withdraw'): Router {
  const pops = anycastRouters(lab).map((r) => r.name);
  const r = findRouter(lab, name);
  if (!r || !pops.includes(r.name)) {
    const what = r ? `${name} does not announce the anycast prefix (it is ${roleSpec(r.role).title.a})` : `unknown router "${name}"`;
    throw new LabError('USAGE', `${what}; ${commands} act on ${pops.join(', ')}`);
  }
  return r;
}

interface HealthView {
  state?: 'announced' | 'withdrawn' | null;
  phase?: string;
  drained?: boolean;
}

const readHealth = async (rt: ContainerRuntime, container: string): Promise<{ marker: boolean; health: HealthView | null }> => {
  const r = await rt.exec(container, ['sh', '-c', `${DRAIN_MARKER_TEST}; echo @@; cat ${POP_PATHS.health} 2>/dev/null`], {
    timeoutMs: 10_000,
  });
  const [marker = '', json = ''] = r.stdout.split('@@');
  let health: HealthView | null = null;
  try {
    health = json.trim() ? (JSON.parse(json) as HealthView) : null;
  } catch {
    health = null;
  }
  return { marker: isDrained(marker), health };
};

/** Create (drain) or remove the marker, and wait until the PoP's health checker has acted on it. */
async function setDrainMarker(rt: ContainerRuntime, container: string, pop: string, drained: boolean, now: () => number): Promise<{ cmd: string; at: number }> {
  const cmd = drained ? `touch ${POP_PATHS.drain}` : `rm -f ${POP_PATHS.drain}`;
  const r = await rt.exec(container, ['sh', '-c', cmd], { timeoutMs: 10_000 });
  const at = now();
  if (r.exitCode !== 0) throw new LabError('ROUTER_QUERY', `${pop}: \`${cmd}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`);
  const seen = await waitUntil(
    async () => {
      const h = (await readHealth(rt, container)).health;
      return h?.drained === drained ? h : undefined;
    },
    { timeoutMs: DRAIN_SEEN_MS, intervalMs: 100 },
  );
  if (!seen) {
    // A checker that never reports `drained` predates the marker: undo, so the PoP is not left half-drained.
    if (drained) await rt.exec(container, ['sh', '-c', `rm -f ${POP_PATHS.drain}`], { timeoutMs: 10_000 }).catch(() => undefined);
    throw new LabError(
      'FAULT',
      `${pop}: its health checker did not report drained=${drained} within ${DRAIN_SEEN_MS / 1000} s (see ${POP_PATHS.health}); ` +
        'a checker started before operator drains existed ignores the marker (`up` keeps running containers): recreate the lab with `npm run lab -- down` and `up`',
    );
  }
  return { cmd, at };
}

/**
 * Drain and undrain without measuring the catchment, for a command that
 * measures something else meanwhile (`flood --drain`): the same marker as
 * `withdraw`/`announce`, so the health checker keeps the PoP withdrawn.
 */
export function drainControl(rt: ContainerRuntime, lab: Lab): { drain(pop: string): Promise<void>; undrain(pop: string): Promise<void> } {
  const set = async (popName: string, drained: boolean) => {
    const pop = checkAnycastRouter(lab, popName);
    await setDrainMarker(rt, containerName(lab.name, pop.name), pop.name, drained, () => performance.now());
  };
  return { drain: (pop) => set(pop, true), undrain: (pop) => set(pop, false) };
}

/** `withdraw <pop>` (drained=true) or `announce <pop>`, and its effect on the catchment. */
export async function setDrain(rt: ContainerRuntime, lab: Lab, popName: string, drained: boolean, o: LiveOptions): Promise<ChangeReport> {
  const pop = checkAnycastRouter(lab, popName);
  const container = containerName(lab.name, pop.name);
  const now = await readHealth(rt, container);
  const change = drained ? `withdraw ${pop.name}: drain it (its health checker keeps ${lab.anycast.prefix} withdrawn)` : `announce ${pop.name}: end its drain`;
  return measureChange(
    rt,
    lab,
    change,
    async () => {
      if (now.marker === drained) return null;
      const { cmd, at } = await setDrainMarker(rt, container, pop.name, drained, o.now ?? (() => performance.now()));
      const after = (await readHealth(rt, container)).health;
      const notes =
        !drained && after?.state !== 'announced'
          ? [`${pop.name}'s health checker is ${after?.phase ?? 'unknown'}: it announces once the responder is healthy`]
          : [];
      return { applied: [{ node: pop.name, commands: [cmd] }], notes, appliedAt: at };
    },
    o,
  ).then((r) =>
    now.marker === drained ? { ...r, notes: [`${pop.name} is already ${drained ? 'drained' : 'announcing (not drained)'}: nothing changed`] } : r,
  );
}

/** `policy --reset-all`, `up --reset`: every session of every family back to the lab file's policy, every drained PoP announced. */
export async function resetAll(rt: ContainerRuntime, lab: Lab, o: LiveOptions): Promise<ChangeReport> {
  const found = await readOverrides(rt, lab);
  const n = found.policy.length + found.drained.length;
  const change = n
    ? `reset ${n} override${n === 1 ? '' : 's'} to the lab file: ${describeOverrides(found).join('; ')}`
    : 'reset: no overrides, the lab runs its lab file';
  return measureChange(
    rt,
    lab,
    change,
    async () => {
      if (!n) return null;
      const routers = [...new Set(found.policy.map((ov) => ov.router))];
      const applied = await Promise.all([
        ...routers.map(async (router) => {
          const commands = overrideCommands(
            lab,
            router,
            found.policy.filter((ov) => ov.router === router),
            'base',
          );
          await vtysh(rt, containerName(lab.name, router), ...commands);
          return { node: router, commands };
        }),
        ...found.drained.map(async (pop) => ({
          node: pop,
          commands: [(await setDrainMarker(rt, containerName(lab.name, pop), pop, false, o.now ?? (() => performance.now()))).cmd],
        })),
      ]);
      return { applied };
    },
    o,
  );
}
