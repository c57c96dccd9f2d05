// The health checker driver with a virtual clock and fakes, the vtysh
// commands it issues, and the CHAOS probe against the real responder.
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../src/agent/pop/bgp.js';
import { vtyshBgp, vtyshNetworkArgs } from '../../src/agent/pop/bgp.js';
import type { HealthFile, HealthLogLine } from '../../src/agent/pop/health-checker.js';
import { startHealthChecker } from '../../src/agent/pop/health-checker.js';
import { chaosProbe, judgeReply } from '../../src/agent/pop/health-probe.js';
import { silentLogger } from '../../src/agent/pop/log.js';
import { usePopServices } from './support/pop-fixture.js';

describe('vtysh commands', () => {
  it('adds and removes the network statement under router bgp', () => {
    expect(vtyshNetworkArgs(65101, '192.0.2.0/24', false)).toEqual(['-c', 'configure terminal', '-c', 'router bgp 65101', '-c', 'no network 192.0.2.0/24']);
    expect(vtyshNetworkArgs(65101, '192.0.2.0/24', true)).toEqual(['-c', 'configure terminal', '-c', 'router bgp 65101', '-c', 'network 192.0.2.0/24']);
  });

  it('runs vtysh through the injected runner and reports failures with the command', async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return { code: 1, stdout: '', stderr: '% Unknown command' };
    };
    await expect(vtyshBgp(65101, '192.0.2.0/24', run, () => true).announce()).rejects.toThrow(/vtysh .*network 192\.0\.2\.0\/24.* exited 1: % Unknown command/);
    expect(calls[0][0]).toBe('vtysh');
  });

  it('treats withdrawing an absent network as done', async () => {
    const run: CommandRunner = async () => ({ code: 1, stdout: "% Can't find static route specified", stderr: '' });
    await expect(vtyshBgp(65101, '192.0.2.0/24', run, () => true).withdraw()).resolves.toBeUndefined();
  });

  it('does not touch vtysh before FRR has applied its config', async () => {
    // A `router bgp` sent before frr.conf is applied would create a bare BGP
    // instance: the cause of PoPs that came up with no neighbours, ever.
    const calls: string[][] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return { code: 0, stdout: '', stderr: '' };
    };
    let ready = false;
    const bgp = vtyshBgp(65101, '192.0.2.0/24', run, () => ready);
    await expect(bgp.announce()).rejects.toMatchObject({ code: 'FRR_NOT_READY' });
    expect(calls).toEqual([]);
    ready = true;
    await bgp.announce();
    expect(calls).toHaveLength(1);
  });
});

/** A driver run on a virtual clock: each check takes `checkMs`, sleep advances time. */
async function drive(script: string, o: { failBgp?: number; startupGraceMs?: number; drain?: string } = {}) {
  let now = 0;
  let i = 0;
  const bgpCalls: string[] = [];
  const log: HealthLogLine[] = [];
  const states: HealthFile[] = [];
  let failBgp = o.failBgp ?? 0;
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => (resolveDone = r));
  const bgpOp = (name: string) => async () => {
    bgpCalls.push(name);
    if (failBgp-- > 0) throw new Error('vtysh: connection refused');
  };
  const checker = startHealthChecker(
    { intervalMs: 200, policy: { failures: 3, holdDownMs: 2000 }, startupGraceMs: o.startupGraceMs },
    {
      check: async () => {
        const c = script[i++];
        if (c === undefined) {
          resolveDone();
          await new Promise(() => {}); // park the loop
        }
        now += c === '.' ? 1 : 200; // a failure is a timeout
        return c === '.' ? { ok: true, rttMs: 1 } : { ok: false, rttMs: null, reason: 'timeout after 200 ms' };
      },
      bgp: { announce: bgpOp('announce'), withdraw: bgpOp('withdraw') },
      monoMs: () => now,
      wallMs: () => 1_700_000_000_000 + now,
      writeState: async (s) => void states.push(s),
      appendLog: async (l) => void log.push(l),
      sleep: async (ms) => {
        now += ms;
      },
      log: silentLogger,
      // o.drain: one character per check, 'D' while the marker is present.
      ...(o.drain === undefined ? {} : { drained: async () => o.drain?.[i] === 'D' }),
    },
  );
  await finished;
  void checker; // parked on purpose; garbage once the test ends
  return { bgpCalls, log, states, phase: checker.current().phase };
}

describe('startHealthChecker', () => {
  it('announces at start, withdraws after 3 failures, re-announces after hold-down, logging each transition', async () => {
    const r = await drive(`..xxx${'.'.repeat(12)}`);
    expect(r.bgpCalls).toEqual(['announce', 'withdraw', 'announce']);
    expect(r.log.map((l) => l.state)).toEqual(['start', 'failing', 'withdrawn', 'recovering', 'announced']);
    for (const l of r.log) expect(l).toMatchObject({ ts: expect.any(Number), tsMono: expect.any(Number), reason: expect.any(String) });
    expect(r.phase).toBe('healthy');
  });

  it('keeps checking on interval: a withdraw lands ~3 intervals after the fault', async () => {
    const r = await drive('.' + 'xxx');
    const failing = r.log.find((l) => l.state === 'failing')!;
    const withdrawn = r.log.find((l) => l.state === 'withdrawn')!;
    expect(withdrawn.tsMono - failing.tsMono).toBe(400);
  });

  it('does not count failures before the responder first answered, within the start-up grace', async () => {
    // Five failures while the responder loads (under 1 s of a 10 s grace), then it answers.
    const starting = await drive(`xxxxx${'.'.repeat(5)}`, { startupGraceMs: 10_000 });
    expect(starting.bgpCalls).toEqual(['announce']);
    expect(starting.log.map((l) => l.state)).toEqual(['start']);
    // Once it has answered, failures count as usual.
    const later = await drive('xx.' + 'xxx', { startupGraceMs: 10_000 });
    expect(later.bgpCalls).toEqual(['announce', 'withdraw']);
    // A responder that never answers is withdrawn once the grace is over (a failed check takes 200 ms: 60 of them are 12 s).
    const never = await drive('x'.repeat(60), { startupGraceMs: 10_000 });
    expect(never.bgpCalls).toEqual(['announce', 'withdraw']);
  });

  it('writes the state file after every check that changes it', async () => {
    const r = await drive('.xxx');
    expect(r.states).toHaveLength(4);
    expect(r.states[0]).toMatchObject({ state: 'announced', consecutiveFailures: 0, lastCheckMs: 1, lastCheckOk: true });
    expect(r.states[3]).toMatchObject({ state: 'withdrawn', consecutiveFailures: 3, lastCheckMs: null, lastCheckOk: false, phase: 'withdrawn' });
    expect(r.states[3].since).toBeGreaterThan(r.states[0].since);
  });

  it('rewrites an unchanged state at most once a second', async () => {
    // Eleven good checks, one every 200 ms (each ends 1 ms after it starts): the first, then one a second.
    const r = await drive('.'.repeat(11));
    expect(r.states.map((s) => s.lastCheckAt - 1_700_000_000_000)).toEqual([1, 1001, 2001]);
    expect(r.states.every((s) => s.state === 'announced' && s.consecutiveFailures === 0)).toBe(true);
  });

  it('retries a failed vtysh on the next tick', async () => {
    const r = await drive('..xxx..', { failBgp: 0 });
    expect(r.bgpCalls).toEqual(['announce', 'withdraw']);
    const retried = await drive('xxx..', { failBgp: 3 });
    // The start-up announce fails twice, the withdraw once; each is retried on the next check.
    expect(retried.bgpCalls).toEqual(['announce', 'announce', 'withdraw', 'withdraw']);
    expect(retried.states[2]).toMatchObject({ state: null, bgpError: 'vtysh: connection refused' });
    expect(retried.states.at(-1)).toMatchObject({ state: 'withdrawn' });
    expect(retried.states.at(-1)).not.toHaveProperty('bgpError');
  });
});

describe('startHealthChecker with the operator drain', () => {
  it('withdraws while the marker is present and announces once it is gone, logging both', async () => {
    const r = await drive('.....', { drain: '.DD..' });
    expect(r.bgpCalls).toEqual(['announce', 'withdraw', 'announce']);
    expect(r.log.map((l) => l.state)).toEqual(['start', 'drained', 'undrained']);
    // Written as it changes (the checks are under a second apart).
    expect(r.states.map((s) => [s.state, s.drained])).toEqual([
      ['announced', false],
      ['withdrawn', true],
      ['announced', false],
    ]);
  });

  it('a drained checker starts withdrawn and never announces', async () => {
    const r = await drive('....', { drain: 'DDDDD' });
    expect(r.bgpCalls).toEqual(['withdraw']);
    expect(r.states.at(-1)).toMatchObject({ state: 'withdrawn', drained: true, phase: 'healthy' });
  });
});

describe('chaosProbe', () => {
  const pop = usePopServices();

  it('is ok against a live responder', async () => {
    const probe = chaosProbe('127.0.0.1', pop.services.dns.port);
    const r = await probe.check(500);
    probe.close();
    expect(r.ok).toBe(true);
    expect(r.rttMs).toBeGreaterThan(0);
  });

  it('times out against a port nobody answers', async () => {
    const { createSocket } = await import('node:dgram');
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const probe = chaosProbe('127.0.0.1', silent.address().port);
    const t0 = performance.now();
    const r = await probe.check(150);
    probe.close();
    silent.close();
    expect(r).toMatchObject({ ok: false, rttMs: null });
    expect(r.reason).toMatch(/timeout/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('judges replies: wrong ID ignored, bad rcode fails', () => {
    const reply = Buffer.from([0, 5, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(judgeReply(reply, 5)).toMatchObject({ ok: true });
    expect(judgeReply(reply, 6)).toBeNull();
    const refused = Buffer.from([0, 5, 0x84, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(judgeReply(refused, 5)).toMatchObject({ ok: false, reason: 'rcode 5' });
  });
});
