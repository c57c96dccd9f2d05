// `--bfd off|<tx>x<mult>`: BFD is reconfigured live through vtysh on every
// router (both ends of every session, so the lab stays consistent), and the
// lab-file setting is put back afterwards. Measured on FRR 8.4: removing BFD
// from a session makes the far end's bfdd see AdminDown and bgpd reset that
// session once, so every change is followed by a wait for baseline.
import { LabError } from '../errors.js';
import { readRouterState, vtysh } from '../lab/router-query.js';
import { bfdProfileName } from '../render/bfd-profiles.js';
import { limitExecs } from '../runtime/exec-limit.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { type BfdOptions, type Lab, type LinkEnd, sessionsOf } from '../topology/model.js';
import { waitUntil } from '../util/wait.js';
import { waitBaseline } from './baseline.js';

/** "on" (the lab file), "off", or "<tx>x<mult>" such as "50x3". */
export function parseBfdSetting(value: string): BfdOptions | 'lab' {
  if (value === 'on' || value === 'lab') return 'lab';
  if (value === 'off') return { enabled: false, interval: 0, multiplier: 0 };
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m) throw new LabError('USAGE', `Expected \`--bfd\` to be on, off or <tx>x<mult> (e.g. 50x3), got "${value}"`);
  const interval = Number(m[1]);
  const multiplier = Number(m[2]);
  // FRR's own limits (bfdd: 10..60000 ms, multiplier 2..255).
  if (interval < 10 || interval > 60000) throw new LabError('USAGE', `BFD interval ${interval} ms is outside FRR's 10..60000 ms`);
  if (multiplier < 2 || multiplier > 255) throw new LabError('USAGE', `BFD multiplier ${multiplier} is outside FRR's 2..255`);
  return { enabled: true, interval, multiplier };
}

/**
 * Where a live BFD setting goes: every session, or only the sessions of the
 * PoP under test. The failover needs fast BFD only where the fault is
 * detected; `@pop` measures a setting without its cost on every other router.
 */
export type BfdScope = 'all' | 'pop';

/** "20x3" or "20x3@pop": a setting and its scope. */
export function parseBfdScoped(value: string): { bfd: BfdOptions | 'lab'; scope: BfdScope } {
  const [setting, scope = 'all', ...rest] = value.split('@');
  if (rest.length || (scope !== 'all' && scope !== 'pop'))
    throw new LabError('USAGE', `Expected a BFD setting like 20x3 or 20x3@pop (only the PoP's sessions), got "${value}"`);
  return { bfd: parseBfdSetting(setting), scope };
}

/** BFD detection below this (the default lab's 100x3 is 300 ms): a run makes one exec at a time (runtime/exec-limit.ts). */
const SERIAL_EXECS_BELOW_DETECT_MS = 300;

/** Whether any session of `model` detects faster than the host keeps up with under bursts of execs. */
export function needsSerialExecs(model: Lab): boolean {
  return model.links.some((l) => l.bfd.enabled && l.bfd.interval * l.bfd.multiplier < SERIAL_EXECS_BELOW_DETECT_MS);
}

/**
 * The runtime a run uses while its routers run `model`'s BFD: one exec at a
 * time when detection is fast (a burst of execs would take sessions down that
 * no fault touched, bench/results/exec-burst-2026-12-06T19-12-00Z.json), else `rt`.
 */
export function runtimeForBfd(rt: ContainerRuntime, model: Lab): { rt: ContainerRuntime; serial: boolean } {
  const serial = needsSerialExecs(model);
  return { rt: serial ? limitExecs(rt, 1) : rt, serial };
}

/**
 * The lab model with one BFD setting on every link, or (`onlyRouter`) on the
 * links of one router (pure): what the routers run after `applyBfd`.
 */
export function withBfd(lab: Lab, bfd: BfdOptions, onlyRouter?: string): Lab {
  const touched = onlyRouter === undefined ? undefined : new Set(sessionsOf(lab, onlyRouter).map((s) => s.link.name));
  return { ...lab, links: lab.links.map((l) => (touched && !touched.has(l.name) ? l : { ...l, bfd: { ...bfd } })) };
}

/**
 * A session's peer addresses, one per family, with a label for messages: a
 * dual-stack link is two BGP sessions, each with its own BFD peer, and a BFD
 * change must reach both (else IPv6 keeps BFD under `--bfd off`).
 */
const peerAddresses = (remote: LinkEnd): [string, string][] => [
  [remote.address, ''],
  ...(remote.ipv6 ? [[remote.ipv6.address, ' (IPv6)'] as [string, string]] : []),
];

/**
 * vtysh -c lines that make `router` match `target`'s BFD settings; profiles
 * named in `dropProfiles` are removed once no session uses them.
 */
export function bfdCommands(target: Lab, router: string, dropProfiles: string[] = []): string[] {
  const r = target.routers.find((x) => x.name === router);
  if (!r) return [];
  const sessions = sessionsOf(target, router);
  const profiles = new Map<string, BfdOptions>();
  for (const { link } of sessions) if (link.bfd.enabled) profiles.set(bfdProfileName(link.bfd), link.bfd);
  const lines = ['configure terminal'];
  if (profiles.size) {
    lines.push('bfd');
    for (const [name, p] of profiles) {
      lines.push(`profile ${name}`, `transmit-interval ${p.interval}`, `receive-interval ${p.interval}`, `detect-multiplier ${p.multiplier}`, 'exit');
    }
    lines.push('exit');
  }
  lines.push(`router bgp ${r.asn}`);
  for (const { link, remote } of sessions) {
    for (const [address] of peerAddresses(remote)) {
      if (link.bfd.enabled) lines.push(`neighbor ${address} bfd`, `neighbor ${address} bfd profile ${bfdProfileName(link.bfd)}`);
      else lines.push(`no neighbor ${address} bfd`);
    }
  }
  lines.push('exit');
  const drop = dropProfiles.filter((p) => !profiles.has(p));
  if (drop.length) lines.push('bfd', ...drop.map((p) => `no profile ${p}`), 'exit');
  return lines;
}

export interface ApplyBfdOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Only these routers (default all): e.g. a PoP just recreated with the lab-file config. */
  routers?: string[];
  dropProfiles?: string[];
}

/** Configures every router like `target`, then waits until BFD runs the new timers and the lab is at baseline. */
export async function applyBfd(rt: ContainerRuntime, target: Lab, opts: ApplyBfdOptions): Promise<void> {
  const routers = opts.routers ?? target.routers.map((r) => r.name);
  await Promise.all(
    routers.map(async (name) => {
      try {
        await vtysh(rt, containerName(target.name, name), ...bfdCommands(target, name, opts.dropProfiles));
      } catch (err) {
        throw new LabError('EXPERIMENT', `${name}: reconfiguring BFD failed: ${(err as Error).message}`, { cause: err });
      }
    }),
  );
  const started = performance.now();
  let wrong: string[] = [];
  const ok = await waitUntil(
    async () => {
      wrong = (await Promise.all(routers.map((r) => bfdMismatches(rt, target, r)))).flat();
      return wrong.length === 0;
    },
    { timeoutMs: opts.timeoutMs, intervalMs: 250, signal: opts.signal },
  );
  if (!ok) throw new LabError('EXPERIMENT', `BFD did not settle within ${Math.round(opts.timeoutMs / 1000)} s:\n  ${wrong.join('\n  ')}`);
  await waitBaseline(rt, target, { timeoutMs: Math.max(10_000, opts.timeoutMs - (performance.now() - started)), signal: opts.signal });
}

/** Sessions whose BFD peer is missing, down, or runs other timers than `target` says. */
async function bfdMismatches(rt: ContainerRuntime, target: Lab, router: string): Promise<string[]> {
  const state = await readRouterState(rt, containerName(target.name, router));
  const out: string[] = [];
  for (const { link, remote } of sessionsOf(target, router)) {
    if (!link.bfd.enabled) continue;
    for (const [address, family] of peerAddresses(remote)) {
      const p = state.bfd.find((b) => b.peer === address);
      if (p?.status !== 'up') out.push(`${router}: BFD peer ${remote.node}${family} is ${p?.status ?? 'absent'}`);
      else if (p.transmitInterval !== link.bfd.interval || p.detectMultiplier !== link.bfd.multiplier) {
        out.push(
          `${router}: BFD peer ${remote.node}${family} runs ${p.transmitInterval}x${p.detectMultiplier}, want ${link.bfd.interval}x${link.bfd.multiplier}`,
        );
      }
    }
  }
  return out;
}
