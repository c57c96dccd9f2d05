// A session configured without BFD: a hung PoP is noticed only when the BGP
// hold timer (9 s) expires. Start removes BFD from both ends of fra's
// sessions; the attendee puts it back and proves failover under 1 s.

import { monoMs } from '../contract/sample.js';
import { applyBfd, withBfd } from '../experiment/bfd-override.js';
import { runFailover } from '../experiment/failover.js';
import { freeze } from '../fault/freeze.js';
import type { BfdPeerState } from '../lab/frr-state.js';
import { readRouterState } from '../lab/router-query.js';
import { containerName } from '../runtime/labels.js';
import { type Lab, sessionsOf } from '../topology/model.js';
import { criterion, type Exercise } from './exercise.js';

const POP = 'fra';
const CLIENT = 'c-de';
const MAX_MS = 1000;

/** Both ends of every session of `pop` (each family's): [router, its peer's address]. */
const sessionEnds = (lab: Lab, pop: string): { router: string; peer: string }[] =>
  sessionsOf(lab, pop).flatMap((s) => [
    { router: pop, peer: s.remote.address },
    { router: s.remote.node, peer: s.local.address },
    ...(s.remote.ipv6 && s.local.ipv6
      ? [
          { router: pop, peer: s.remote.ipv6.address },
          { router: s.remote.node, peer: s.local.ipv6.address },
        ]
      : []),
  ]);

/**
 * fra's sessions whose BFD peer is not up, as fra sees them (pure). A
 * dual-stack link has two sessions, each with its own BFD peer: putting BFD
 * back on the IPv4 one alone leaves the IPv6 one waiting for the hold timer.
 */
export function bfdProblems(lab: Lab, pop: string, peers: readonly BfdPeerState[]): string[] {
  return sessionsOf(lab, pop).flatMap(({ remote }) =>
    [{ address: remote.address, label: '' }, ...(remote.ipv6 ? [{ address: remote.ipv6.address, label: ' (IPv6)' }] : [])].flatMap(({ address, label }) => {
      const p = peers.find((b) => b.peer === address);
      return p?.status === 'up' ? [] : [`${pop} ↔ ${remote.node}${label}: BFD peer ${p ? p.status : 'not configured'}`];
    }),
  );
}

export const missingBfd: Exercise = {
  id: 'missing-bfd',
  async inject({ rt, lab, progress, signal }) {
    // The lab with BFD off on fra's sessions, applied like any live BFD change:
    // `no neighbor … bfd` on both ends, then (bgpd resets a session once when
    // its far end drops BFD, FRR 8.4) a wait until the sessions are back.
    const ends = sessionEnds(lab, POP);
    progress.step('lab', 'bfd', `off on ${POP}'s sessions (both ends), waiting for them to come back without it`);
    await applyBfd(rt, withBfd(lab, { enabled: false, interval: 0, multiplier: 0 }, POP), {
      timeoutMs: 60_000,
      routers: [...new Set(ends.map((e) => e.router))],
      signal,
    });
    return ends.map(({ router, peer }) => `${router}: no neighbor ${peer} bfd`);
  },
  async check({ rt, lab, progress, configRoot, signal }) {
    const state = await readRouterState(rt, containerName(lab.name, POP));
    const bfd = criterion(
      `every session of ${POP} has a BFD peer up`,
      bfdProblems(lab, POP, state.bfd),
      `${sessionEnds(lab, POP).filter((e) => e.router === POP).length} BFD peer(s) up`,
    );
    const name = `a freeze of ${POP} moves ${CLIENT} in under ${MAX_MS} ms (1 failover trial)`;
    if (!bfd.passed) return [bfd, { name, passed: false, reason: `skipped: without BFD, ${POP}'s neighbours wait for the BGP hold timer (~7–9 s)` }];
    let r: Awaited<ReturnType<typeof runFailover>>;
    try {
      r = await runFailover(
        { rt, lab, configRoot, clock: { monoMs, wallMs: () => Date.now() }, progress, signal },
        { pop: POP, fault: freeze, trials: 1, bfd: 'lab' },
      );
    } catch (err) {
      // E.g. BFD up with other timers than the lab's: the lab is not at its baseline, so no trial runs.
      if (signal?.aborted) throw err;
      return [bfd, { name, passed: false, reason: `the failover did not run: ${(err as Error).message.split('\n').slice(0, 2).join(' ')}` }];
    }
    const c = r.trials[0]?.clients.find((x) => x.client === CLIENT);
    const ms = c?.failoverMs ?? null;
    const ok = c?.status === 'moved' && ms !== null && ms < MAX_MS;
    return [
      bfd,
      {
        name,
        passed: ok,
        reason: c ? `${CLIENT} ${c.status}${c.toPop ? ` to ${c.toPop}` : ''}${ms === null ? '' : ` after ${Math.round(ms)} ms`}` : `${CLIENT} was not measured`,
      },
    ];
  },
  async solve({ rt, lab, signal }) {
    const routers = [POP, ...sessionsOf(lab, POP).map((s) => s.remote.node)];
    await applyBfd(rt, lab, { timeoutMs: 60_000, routers, signal });
    return routers.map((r) => `${r}: BFD back on every session, as the lab file says`);
  },
};
