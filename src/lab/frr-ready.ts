// After a router container starts: wait until frr-start.sh says FRR is up with
// its config applied, then check the running config against what was
// rendered, and repair a router that drifted. A router whose FRR failed or
// whose config cannot be applied is an error now, not a convergence timeout
// two minutes later.
import { existsSync, readFileSync } from 'node:fs';
import { DRAIN_MARKER_TEST, isDrained, POP_PATHS, ROUTER_PATHS } from '../contract/agent.js';
import { ConvergenceError } from '../errors.js';
import { renderRouter } from '../render/frr-config.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { ROLE_NAMES, roleSpec } from '../topology/roles/registry.js';
import { waitUntil } from '../util/wait.js';
import { configDrift, shortStatement } from './config-drift.js';
import { parseRouterState, ROUTER_STATE_COMMANDS, type RouterState } from './frr-state.js';
import { describeOverride, overrideCommands, POLICY_RUNTIME_OWNED, type PolicyOverride, policyOverrides } from './policy-overrides.js';
import type { Progress } from './progress.js';
import { noteDenied, readStateFromSockets, vtyReachable, vtysh } from './router-query.js';
import { vtyQuery } from './vty-client.js';

export interface FrrReadyOptions {
  /** How long FRR may take to start and apply its config (it is slow under CPU load). */
  deadlineMs: number;
  progress: Progress;
  /** Re-applications of frr.conf before giving up. */
  repairs?: number;
  /** Unix ms the container was started again: a ready file written before is stale. */
  startedAt?: number;
}

export interface FrrReady {
  router: string;
  /** What frr-start.sh measured inside the container. */
  daemonsMs?: number;
  applyMs?: number;
  /** Unix ms at which frr-start.sh declared FRR ready (containers share the host's clock). */
  readyAt?: number;
  /** Times the orchestrator had to re-apply frr.conf. */
  repaired: number;
  /** Live overrides the router runs (`lab policy`, `lab withdraw`), read in the same exec: `up` keeps them. */
  overrides: PolicyOverride[];
  drained: boolean;
  /**
   * BGP, BFD and routes as read in the same exec, right after the config
   * check (absent after a repair: that look predates it). `up` starts its
   * convergence wait from these, so a router already converged costs no
   * further exec.
   */
  state?: RouterState;
}

const MARK = '@@anycast-lab@@';

/**
 * One exec that waits inside the container (a shell loop costs far less than
 * an exec round-trip per poll), then prints what frr-start.sh concluded
 * (its ready JSON, FAILED or TIMEOUT) and the running config. The loop forks
 * nothing: `date` and `sleep` every 0.2 s in 11 routers at once cost ~1
 * CPU-second of a 2-core machine's `up` (bash's SECONDS, and `read -t` on a
 * pipe opened once, instead). The running config is followed by the
 * router's state (ROUTER_STATE_COMMANDS): the first poll of `up`'s
 * convergence wait, without an exec of its own.
 */
export function readyScript(deadlineS: number, notBefore?: number): string {
  const { frrReady, frrFailed } = ROUTER_PATHS;
  // A container started again (after a dockerd restart) still has the ready
  // file of its last run until frr-start.sh removes it: one older than the
  // start is not an answer.
  const stale = notBefore === undefined ? '' : ` || (( $(sed -n 's/.*"at":\\([0-9]*\\).*/\\1/p' ${frrReady} 2>/dev/null || echo 0) < ${notBefore} ))`;
  return [
    'exec 3<> <(:)',
    `while { [ ! -f ${frrReady} ]${stale}; } && [ ! -f ${frrFailed} ] && (( SECONDS < ${deadlineS} )); do read -rt 0.2 -u 3 || true; done`,
    `if [ -f ${frrReady} ]; then cat ${frrReady}; elif [ -f ${frrFailed} ]; then echo FAILED: $(cat ${frrFailed}); else echo TIMEOUT; fi`,
    // A PoP drained by `lab withdraw` (the marker only exists on PoPs).
    `${DRAIN_MARKER_TEST} || true`,
    `echo ${MARK}`,
    // One vtysh for the config and the state documents (its start is the
    // costly part). It exits 1 when a daemon is down ("bgpd is not running"):
    // that is for the config check to judge, not an exec failure.
    `vtysh -c 'show running-config' ${ROUTER_STATE_COMMANDS.map((c) => `-c '${c}'`).join(' ')} 2>&1 || true`,
  ].join('\n');
}

/**
 * A daemon that died is started again the way frr-start.sh starts it (its
 * part of frr.conf applied and checked); then the whole config is re-applied,
 * which adds what is missing and changes nothing else.
 */
export const REPAIR_SCRIPT = [
  '. /etc/frr/daemons',
  'for d in zebra bgpd bfdd; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion (${zebra:-no} after eval), not a JS template.
  '  eval "en=\\${$d:-no}"; [ "$d" = zebra ] || [ "$en" = yes ] || continue',
  '  pgrep -x "$d" >/dev/null || bash /opt/anycast-lab/frr-start.sh "$d" >&2',
  'done',
  'vtysh -b >/var/log/frr/vtysh-b.log 2>&1',
  "vtysh -c 'show running-config'",
].join('\n');

/**
 * Statements of the lab's own making that change at run time
 * (RoleSpec.converge.runtimeOwned): a PoP's announcement belongs to its health
 * checker; route-map `set`s to `lab policy`, so `up` keeps its overrides.
 */
export function runtimeOwned(lab: Lab): RegExp[] {
  return [...ROLE_NAMES.flatMap((r) => roleSpec(r).converge.runtimeOwned(lab)), ...POLICY_RUNTIME_OWNED];
}

/**
 * What the ready check found: frr-start.sh's conclusion (its ready JSON,
 * `FAILED: …` or `TIMEOUT`), the drain marker and, once FRR is up, its
 * running config and the router's state.
 */
interface ReadyLook {
  status: string;
  drained: boolean;
  /** vtysh's merged running config, or every daemon's own one after another (read over their sockets). */
  running: string;
  /** The text the live policy overrides are read from: bgpd's route-maps hold the `set`s. */
  policyText: string;
  state?: RouterState;
}

export async function waitFrrReady(rt: ContainerRuntime, lab: Lab, container: string, router: string, o: FrrReadyOptions): Promise<FrrReady> {
  const rendered = renderRouter(lab, router)['frr.conf'];
  const deadlineS = Math.ceil(o.deadlineMs / 1000);
  const { status, drained, running, policyText, state } = (await lookOverHost(rt, container, o)) ?? (await lookViaExec(rt, container, router, o));
  if (status.trim() === 'TIMEOUT')
    throw new ConvergenceError(`${router}: FRR was not up with its config within ${deadlineS} s (see /var/log/frr/frr.log in the container)`, [
      `${router}: FRR not ready`,
    ]);
  const failed = status.startsWith('FAILED') ? status.trim() : undefined;
  const stats = parseReady(status);
  const owned = runtimeOwned(lab);
  let drift = configDrift(rendered, running, { runtimeOwned: owned });
  // frr-start.sh gave up (a daemon would not start): worth a repair even if
  // the running config happens to look complete.
  if (failed && !drift.length) drift = [`frr-start.sh: ${failed}`];
  let repaired = 0;
  const maxRepairs = o.repairs ?? 2;
  // Re-applying frr.conf would undo `lab policy` overrides: noted now, put back after.
  // With bgpd dead, zebra's copy of a route-map shows its match lines but no
  // `set`: that is no override, and putting it back would delete the lab file's.
  const bgpdRuns = /^router bgp /m.test(policyText);
  const overrides = bgpdRuns ? policyOverrides(router, rendered, policyText) : [];
  const keep = drift.length ? overrides : [];
  while (drift.length && repaired < maxRepairs) {
    repaired++;
    o.progress.step(
      router,
      'repair',
      `${failed && repaired === 1 ? `FRR start-up failed (${failed}); ` : ''}running config lacks ${drift.length} rendered statements (${drift.slice(0, 2).map(shortStatement).join('; ')}${drift.length > 2 ? '; …' : ''}); restarting dead daemons, re-applying frr.conf (${repaired}/${maxRepairs})`,
    );
    const again = await rt.exec(container, ['bash', '-c', REPAIR_SCRIPT], { timeoutMs: o.deadlineMs });
    drift = configDrift(rendered, again.stdout, { runtimeOwned: owned });
  }
  if (drift.length) {
    const pending = drift.map((d) => `${router}: running config lacks \`${shortStatement(d)}\``);
    throw new ConvergenceError(`${router}: frr.conf is still not applied after ${maxRepairs} repairs:\n    ${pending.slice(0, 8).join('\n    ')}`, pending);
  }
  if (repaired && keep.length) await restoreOverrides(rt, lab, container, router, keep, o.progress);
  return { router, ...stats, repaired, state: repaired ? undefined : state, overrides, drained };
}

/** The ready check through one exec that waits inside the container (readyScript): the way when the router's root is out of reach. */
async function lookViaExec(rt: ContainerRuntime, container: string, router: string, o: FrrReadyOptions): Promise<ReadyLook> {
  const r = await rt.exec(container, ['bash', '-c', readyScript(Math.ceil(o.deadlineMs / 1000), o.startedAt)], { timeoutMs: o.deadlineMs + 15_000 });
  if (r.exitCode !== 0)
    throw new ConvergenceError(`${router}: cannot ask FRR whether it is ready: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`, [
      `${router}: FRR not reachable`,
    ]);
  const [head = '', output = ''] = r.stdout.split(MARK);
  const [status = '', ...more] = head.trim().split('\n');
  const { running, state } = splitRunningAndState(output);
  return { status: status.trim(), drained: more.some(isDrained), running, policyText: running, state };
}

/** How often the orchestrator looks for a router's ready marker from the host: a stat, no process. */
const READY_POLL_MS = 200;
const GONE = Symbol('container gone');

/**
 * The same check without an exec: the ready marker read through the
 * container's root from this process, then every daemon's running config
 * and the state over their vty sockets. An exec costs ~70 ms of engine CPU
 * (runc, shim) plus a vtysh start, once per router per `up`: 150 of them in
 * a 100-PoP lab. Undefined whenever the root or a socket is out of reach
 * (another host, not root, the container gone) and when frr-start.sh gave
 * up: the exec path then reports it, dead daemons included, as it always did.
 */
async function lookOverHost(rt: ContainerRuntime, container: string, o: FrrReadyOptions): Promise<ReadyLook | undefined> {
  if (!vtyReachable(rt)) return undefined;
  try {
    const root = await rt.hostPath(container, '');
    if (!root) return undefined;
    const status = await waitUntil(() => readyStatus(root, o.startedAt), { timeoutMs: o.deadlineMs, intervalMs: READY_POLL_MS });
    if (status === GONE || status?.startsWith('FAILED')) return undefined;
    const drained = existsSync(`${root}${POP_PATHS.drain}`);
    if (status === undefined) return { status: 'TIMEOUT', drained, running: '', policyText: '' };
    const dir = `${root}/run/frr`;
    const daemons = enabledDaemons(readFileSync(`${root}/etc/frr/daemons`, 'utf8'));
    const [configs, state] = await Promise.all([
      Promise.all(daemons.map(async (d) => (await vtyQuery(`${dir}/${d}.vty`, ['write terminal']))[0])),
      readStateFromSockets(dir),
    ]);
    return { status, drained, running: configs.join('\n'), policyText: configs[daemons.indexOf('bgpd')] ?? '', state };
  } catch (err) {
    noteDenied(err);
    return undefined;
  }
}

/**
 * frr-start.sh's conclusion as the exec's script prints it, undefined while
 * there is none yet (a ready marker older than `notBefore` is the last run's,
 * one half written is not yet one), GONE once the container's root is.
 */
export function readyStatus(root: string, notBefore?: number): string | typeof GONE | undefined {
  if (!existsSync(`${root}/etc/frr`)) return GONE;
  const ready = readIfThere(`${root}${ROUTER_PATHS.frrReady}`);
  const at = ready === undefined ? undefined : parseReady(ready).readyAt;
  if (at !== undefined && (notBefore === undefined || at >= notBefore)) return ready?.trim();
  const failed = readIfThere(`${root}${ROUTER_PATHS.frrFailed}`);
  return failed === undefined ? undefined : `FAILED: ${failed.trim()}`;
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The daemons vtysh would ask, from Debian's /etc/frr/daemons: zebra always, every other `<name>d=yes`. */
export function enabledDaemons(daemonsFile: string): string[] {
  const on = [...daemonsFile.matchAll(/^([a-z0-9]+d)=yes\s*$/gm)].map((m) => m[1]);
  return ['zebra', ...on.filter((d) => d !== 'zebra')];
}

/**
 * The ready script's vtysh output: the running config, then the state's JSON
 * documents. No line of a running config starts with `{`; the first
 * document (`show bgp summary json`) does.
 */
export function splitRunningAndState(text: string): { running: string; state?: RouterState } {
  const at = /^\{/m.exec(text)?.index;
  if (at === undefined) return { running: text };
  const state = parseRouterState(text.slice(at));
  return { running: text.slice(0, at), state };
}

async function restoreOverrides(rt: ContainerRuntime, lab: Lab, container: string, router: string, keep: PolicyOverride[], progress: Progress): Promise<void> {
  progress.step(router, 'overrides', `putting back ${keep.length} live policy overrides the repair reset: ${keep.map(describeOverride).join('; ')}`);
  // A failure here is reported, not thrown: the router runs, with the lab file's policy.
  await vtysh(rt, container, ...overrideCommands(lab, router, keep, 'value')).catch((e: Error) =>
    progress.step(router, 'overrides', `could not put them back (${e.message.split('\n')[0]}): the router now runs the lab file's policy`),
  );
}

function parseReady(text: string): { daemonsMs?: number; applyMs?: number; readyAt?: number } {
  try {
    const j = JSON.parse(text) as { daemonsMs?: number; applyMs?: number; at?: number };
    return { daemonsMs: j.daemonsMs, applyMs: j.applyMs, readyAt: j.at };
  } catch {
    return {};
  }
}
