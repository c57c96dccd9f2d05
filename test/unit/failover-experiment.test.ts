// The pure parts of the failover stopwatch: router log parsing, BFD
// reconfiguration commands, fault helpers, trial aggregation.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bfdCommands, parseBfdScoped, parseBfdSetting, withBfd } from '../../src/experiment/bfd-override.js';
import { moveDeadlineMs } from '../../src/experiment/failover.js';
import { boundFor } from '../../src/experiment/failover-bounds.js';
import type { ClientStatus } from '../../src/experiment/failover-clients.js';
import { countStreams, type StreamFailover } from '../../src/experiment/failover-streams.js';
import { summarizeFailover, type TrialClientRow } from '../../src/experiment/failover-summary.js';
import { frrEvents, parseFrrTime, parseIpTsTime, routeChanges, sessionBounces } from '../../src/experiment/router-events.js';
import { FAULT_MODES, faultMode } from '../../src/fault/index.js';
import { silentRuleset } from '../../src/fault/silent.js';
import { interfaceWithAddress, uplinksOf } from '../../src/fault/uplinks.js';
import { nodeConfigHash, routerInitHash } from '../../src/lab/artifacts.js';
import { loadLabFile } from '../../src/topology/load.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));

describe('router events', () => {
  it('parses FRR and ip -ts timestamps as UTC with microseconds', () => {
    expect(parseFrrTime('2026/11/25 09:20:24.710734 BGP: x')).toBeCloseTo(Date.UTC(2026, 10, 25, 9, 20, 24) + 710.734, 3);
    expect(parseIpTsTime('[2026-11-25T09:07:51.288684] 10.9.9.9 dev eth0')).toBeCloseTo(Date.UTC(2026, 10, 25, 9, 7, 51) + 288.684, 3);
    expect(parseFrrTime('garbage')).toBeUndefined();
  });

  it('finds BFD down, hold expiry and session changes for the given peers only', () => {
    const log = [
      '2026/11/25 09:20:24.710734 BGP: [HZN6M-XRM1G] %NOTIFICATION(Hard Reset): sent to neighbor 10.83.0.2 6/10 (Cease/BFD Down) 0 bytes ',
      '2026/11/25 09:20:24.710871 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.83.0.2(fra) in vrf default Down BGP Notification send',
      '2026/11/25 09:20:25.000000 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.83.0.20(x) in vrf default Down BGP Notification send',
      '2026/11/25 09:20:33.100000 BGP: [HZN6M-XRM1G] %NOTIFICATION: sent to neighbor 10.83.0.2 4/0 (Hold Timer Expired) 0 bytes ',
      '2026/11/25 09:20:36.110797 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 10.83.0.2(fra) in vrf default Up',
    ].join('\n');
    expect(frrEvents(log, ['10.83.0.2']).map((e) => e.kind)).toEqual(['bfd-down', 'bgp-down', 'hold-expired', 'bgp-up']);
  });

  it('finds a session that came up and went down at once after the restore, and nothing else', () => {
    // fra's log on 2026-12-07 after a silent fault's restore (FRR 8.4, fra passive), plus lines it must skip.
    const log = [
      '2026/12/07 07:55:05.368538 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.97.0.3(t-eu) in vrf default Down BGP Notification received',
      '2026/12/07 07:55:06.992750 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor fd00:97:0:7103::3(t-eu) in vrf default Up',
      '2026/12/07 07:55:06.993730 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor fd00:97:0:7103::3(t-eu) in vrf default Down No AFI/SAFI activated for peer',
      '2026/12/07 07:55:06.994749 BGP: [YZN21-6KS42][EC 33554465] 10.97.0.3 [FSM] Ignoring event BGP_Start in state Connect, prior events BGP_Start, BGP_Start, fd -1',
      '2026/12/07 07:55:06.994920 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 10.97.0.3(t-eu) in vrf default Up',
      '2026/12/07 07:55:06.995994 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.97.0.3(t-eu) in vrf default Down No AFI/SAFI activated for peer',
      '2026/12/07 07:55:08.004691 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 10.97.0.3(t-eu) in vrf default Up',
      // Up, then down 2 s later (a BFD down, say): not a bounce.
      '2026/12/07 07:55:08.010000 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor fd00:97:0:7103::3(t-eu) in vrf default Up',
      '2026/12/07 07:55:10.010000 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor fd00:97:0:7103::3(t-eu) in vrf default Down BFD down received',
    ].join('\n');
    const at = (s: string) => parseFrrTime(`2026/12/07 ${s}`)!;
    expect(sessionBounces(log, at('07:55:06.000'))).toEqual([
      { peer: 'fd00:97:0:7103::3', upWallMs: at('07:55:06.992750'), downWallMs: at('07:55:06.993730'), reason: 'No AFI/SAFI activated for peer' },
      { peer: '10.97.0.3', upWallMs: at('07:55:06.994920'), downWallMs: at('07:55:06.995994'), reason: 'No AFI/SAFI activated for peer' },
    ]);
    // An Up before the window (the fault's own session) does not count.
    expect(sessionBounces(log, at('07:55:06.994000')).map((b) => b.peer)).toEqual(['10.97.0.3']);
    expect(sessionBounces(log, at('07:55:07.000'))).toEqual([]);
  });

  it('keeps only FIB changes of the anycast prefix', () => {
    const text = [
      '[2026-11-25T09:07:51.288684] 192.0.2.0/24 nhid 17 via 10.83.0.43 dev eth3 proto bgp metric 20 ',
      '[2026-11-25T09:07:51.300000] Deleted 192.0.2.0/24 nhid 12 via 10.83.0.2 dev eth1 proto bgp metric 20 ',
      '[2026-11-25T09:07:51.400000] 10.84.0.0/24 nhid 3 via 10.83.0.58 dev eth0 proto bgp metric 20 ',
    ].join('\n');
    expect(routeChanges(text, '192.0.2.0/24').map((c) => c.deleted)).toEqual([false, true]);
  });
});

describe('fault helpers', () => {
  it('registers every mode once and names them in the error for an unknown one', () => {
    // The first six in `--help` order; a new mode appends one line to the registry.
    const names = FAULT_MODES.map((m) => m.name);
    expect(names.slice(0, 6)).toEqual(['cut', 'silent', 'freeze', 'kill', 'bgp', 'service']);
    expect(new Set(names).size).toBe(names.length);
    expect(faultMode('freeze').detection).toBe('silent');
    expect(() => faultMode('unplug')).toThrow(/supported: cut, silent, freeze, kill, bgp, service/);
  });

  it('finds an interface by address in `ip -o -4 addr show`', () => {
    const out = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '748: eth0    inet 10.83.0.2/29 brd 10.83.0.7 scope global eth0\\       valid_lft forever',
      '750: eth1@if751    inet 10.83.0.34/29 brd 10.83.0.39 scope global eth1\\       valid_lft forever',
    ].join('\n');
    expect(interfaceWithAddress(out, '10.83.0.2')).toBe('eth0');
    expect(interfaceWithAddress(out, '10.83.0.34')).toBe('eth1');
    expect(interfaceWithAddress(out, '10.83.0.3')).toBeUndefined();
  });

  it('lists both ends of every uplink of a PoP (gru has two)', () => {
    const ups = uplinksOf(lab, 'gru');
    expect(ups.map((u) => u.neighbour.node).sort()).toEqual(['eb-br', 't-us']);
    expect(ups[0].pop.container).toBe('al-default-gru');
  });

  it('drops both directions on the named interfaces only', () => {
    const r = silentRuleset(['eth0', 'eth2']);
    expect(r).toMatch(/hook prerouting priority -400; policy accept; iifname \{ "eth0", "eth2" \} drop/);
    expect(r).toMatch(/hook postrouting priority -400; policy accept; oifname \{ "eth0", "eth2" \} drop/);
  });

  it('labels a recreated PoP with the hash `up` gives it (FRR files + start-up scripts + agent config)', () => {
    const h = nodeConfigHash(lab, 'fra');
    expect(h).toMatch(/^[0-9a-f]{12}[0-9a-f]{12}\{/);
    expect(h.slice(12, 24)).toBe(routerInitHash());
    expect(nodeConfigHash(lab, 't-eu')).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('BFD override', () => {
  it('parses on, off and <tx>x<mult> with exact messages', () => {
    expect(parseBfdSetting('on')).toBe('lab');
    expect(parseBfdSetting('off')).toMatchObject({ enabled: false });
    expect(parseBfdSetting('50x3')).toEqual({ enabled: true, interval: 50, multiplier: 3 });
    expect(() => parseBfdSetting('fast')).toThrow(/Expected `--bfd` to be on, off or <tx>x<mult>/);
    expect(() => parseBfdSetting('5x3')).toThrow(/outside FRR's 10\.\.60000 ms/);
  });

  const teu6 = lab.links.find((l) => l.name === 'fra--t-eu')!.b.ipv6!.address;
  it('renders vtysh lines that define the profile and point every session at it', () => {
    const lines = bfdCommands(withBfd(lab, { enabled: true, interval: 50, multiplier: 3 }), 'fra');
    expect(lines).toEqual([
      'configure terminal',
      'bfd',
      'profile bfd-50x3',
      'transmit-interval 50',
      'receive-interval 50',
      'detect-multiplier 3',
      'exit',
      'exit',
      'router bgp 64500',
      'neighbor 10.77.0.3 bfd',
      'neighbor 10.77.0.3 bfd profile bfd-50x3',
      // The default lab is dual-stack: the IPv6 session's BFD peer too.
      `neighbor ${teu6} bfd`,
      `neighbor ${teu6} bfd profile bfd-50x3`,
      'exit',
    ]);
  });

  it('on a dual-stack lab points the IPv6 session of each link at the profile too', () => {
    const dual = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'dual-stack.yaml'));
    const teu = dual.links.find((l) => l.name === 'fra--t-eu')!.b;
    const lines = bfdCommands(withBfd(dual, { enabled: true, interval: 50, multiplier: 3 }), 'fra');
    expect(lines.slice(-6)).toEqual([
      'router bgp 64500',
      `neighbor ${teu.address} bfd`,
      `neighbor ${teu.address} bfd profile bfd-50x3`,
      `neighbor ${teu.ipv6!.address} bfd`,
      `neighbor ${teu.ipv6!.address} bfd profile bfd-50x3`,
      'exit',
    ]);
  });

  it('removes BFD from every session for off, and drops a temporary profile on the way back', () => {
    // t-eu: 4 sessions per family.
    expect(bfdCommands(withBfd(lab, { enabled: false, interval: 0, multiplier: 0 }), 't-eu').filter((l) => l.startsWith('no '))).toHaveLength(8);
    const v4 = defaultIpv4Lab();
    expect(bfdCommands(withBfd(v4, { enabled: false, interval: 0, multiplier: 0 }), 't-eu').filter((l) => l.startsWith('no '))).toHaveLength(4);
    const back = bfdCommands(lab, 'fra', ['bfd-50x3']);
    expect(back.slice(-3)).toEqual(['bfd', 'no profile bfd-50x3', 'exit']);
    expect(back).toContain('neighbor 10.77.0.3 bfd profile bfd-100x3');
  });
});

describe('trial aggregation', () => {
  const row = (client: string, failoverMs: number | null, affected = true, status: ClientStatus = 'moved', outageMs = failoverMs): TrialClientRow => ({
    client,
    affected,
    status,
    fromPop: 'fra',
    toPop: status === 'moved' ? 'iad' : null,
    failoverMs,
    detectMs: failoverMs === null ? null : failoverMs + 10,
    outageMs,
    maxGapMs: outageMs,
    lostProbes: failoverMs === null ? 0 : Math.round(failoverMs / 10),
    maxLostRun: failoverMs === null ? 0 : Math.round(failoverMs / 10),
    popChanges: status === 'moved' ? 1 : 0,
    popSequence: status === 'moved' ? ['fra', 'iad'] : ['fra'],
  });

  it('takes bounds from the PoP uplink: BFD, hold, health', () => {
    expect(boundFor(lab, 'fra', 'silent')).toEqual({ ms: 300, basis: 'BFD 100 ms × 3' });
    expect(boundFor(withBfd(lab, { enabled: false, interval: 0, multiplier: 0 }), 'fra', 'silent').ms).toBe(9000);
    expect(boundFor(lab, 'fra', 'service').ms).toBe(600);
  });

  it('summarizes affected, moved clients only, with measured/bound ratios', () => {
    const trials = [300, 320, 340, 360, 900].map((ms, i) => ({
      clients: [row('c-de', ms), row('c-us', null, false, i === 4 ? 'collateral' : 'stayed-ok', i === 4 ? 40 : 0)],
    }));
    const s = summarizeFailover(trials, { ms: 300, basis: 'BFD 100 ms × 3' });
    expect(s).toMatchObject({ trials: 5, affected: 5, moved: 5 });
    // Every client-trial has a verdict, the ones that should not move too.
    expect(s.statuses).toEqual({ moved: 5, 'stayed-ok': 4, collateral: 1, flapped: 0, lost: 0, 'not-moved': 0, 'no-baseline': 0 });
    expect(s.nonMoverOutageMs).toMatchObject({ n: 5, max: 40 });
    expect(s.failoverMs).toMatchObject({ p50: 340, p95: 900, max: 900 });
    expect(s.ratio).toEqual({ p50: 1.133, p95: 3, max: 3 });
    expect(Object.keys(s.perClient)).toEqual(['c-de']);
  });

  it('gives no ratio for an infinite bound', () => {
    const s = summarizeFailover([{ clients: [row('c-de', 100)] }], { ms: Infinity, basis: 'BGP hold 0 s' });
    expect(s.ratio).toEqual({ p50: null, p95: null, max: null });
  });

  it('counts stream fates on the failed PoP and elsewhere', () => {
    const base: StreamFailover = {
      client: 'c-de',
      stream: 0,
      popAtFault: 'fra',
      connAtFault: 0,
      outcome: 'reset',
      endedAfterMs: 400,
      lostLines: 0,
      reconnected: true,
      reconnectPop: 'iad',
      reconnectAfterMs: 600,
      movedToNewPop: true,
      failedReconnects: 0,
    };
    const c = countStreams(
      [
        base,
        { ...base, stream: 1, outcome: 'timeout' },
        { ...base, stream: 2, popAtFault: 'nrt', outcome: 'survived', movedToNewPop: false },
        { ...base, popAtFault: null },
      ],
      'fra',
    );
    expect(c).toEqual({
      onFailedPop: 2,
      reset: 1,
      timeout: 1,
      otherEnd: 0,
      survivedOnFailedPop: 0,
      reconnectedToNewPop: 2,
      onOtherPops: 1,
      survivedOnOtherPops: 1,
    });
  });

  it('waits for a move up to 1.5 × bound + 3 s, capped', () => {
    expect(moveDeadlineMs({ ms: 300, basis: '' })).toBe(3450);
    expect(moveDeadlineMs({ ms: 9000, basis: '' })).toBe(16500);
    expect(moveDeadlineMs({ ms: Infinity, basis: '' })).toBe(30000);
  });
});

describe('failover bench matrix', () => {
  it('runs every mode × BFD setting except cut without BFD', async () => {
    const { benchCases } = await import('../../src/bench/failover.js');
    const cases = benchCases(['freeze', 'silent', 'cut'], ['300x3', '100x3', '50x3', 'off']);
    expect(cases).toHaveLength(11);
    expect(cases).not.toContainEqual({ fault: 'cut', bfd: 'off' });
    expect(cases).toContainEqual({ fault: 'freeze', bfd: 'off' });
  });
});

describe('random fault phase', () => {
  it('spreads over one BFD interval with BFD, one keepalive interval without', async () => {
    const { faultPhaseSpanMs } = await import('../../src/experiment/failover.js');
    expect(faultPhaseSpanMs(lab, 'fra')).toBe(100);
    expect(faultPhaseSpanMs(withBfd(lab, { enabled: false, interval: 0, multiplier: 0 }), 'fra')).toBe(3000);
  });

  it('is reproducible from its seed and uniform enough to unlock the phase', async () => {
    const { seededRandom } = await import('../../src/util/rng.js');
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(seededRandom(43)()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Each tenth of [0, 1) gets 100 ± 40 of 1000 draws.
    const bins = Array.from({ length: 10 }, (_, i) => xs.filter((x) => x >= i / 10 && x < (i + 1) / 10).length);
    for (const n of bins) expect(Math.abs(n - 100)).toBeLessThan(40);
  });
});

describe('BFD scope', () => {
  it('parses a setting with an optional @pop scope', () => {
    expect(parseBfdScoped('20x3@pop')).toEqual({ bfd: { enabled: true, interval: 20, multiplier: 3 }, scope: 'pop' });
    expect(parseBfdScoped('off')).toEqual({ bfd: { enabled: false, interval: 0, multiplier: 0 }, scope: 'all' });
    expect(() => parseBfdScoped('20x3@eyeballs')).toThrow(/20x3@pop/);
  });

  it('@pop puts the setting on the PoP sessions only; every other session keeps the lab file', () => {
    const fast = { enabled: true, interval: 20, multiplier: 3 };
    const scoped = withBfd(lab, fast, 'fra');
    const fraLinks = new Set(uplinksOf(lab, 'fra').map((u) => u.link));
    expect(fraLinks.size).toBeGreaterThan(0);
    for (const l of scoped.links) expect(l.bfd, l.name).toEqual(fraLinks.has(l.name) ? fast : lab.links.find((x) => x.name === l.name)!.bfd);
    // t-eu: its session to fra runs the new profile, the others keep theirs.
    const cmds = bfdCommands(scoped, 't-eu');
    expect(cmds).toContain('profile bfd-20x3');
    expect(cmds).toContain('neighbor 10.77.0.2 bfd profile bfd-20x3');
    expect(cmds.filter((c) => c.endsWith('bfd profile bfd-100x3')).length).toBeGreaterThan(0);
  });
});
