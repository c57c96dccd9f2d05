import { describe, expect, it } from 'vitest';
import { checkHosts, type EngineFacts, type HostEngine, renderHostsCheck } from '../../src/host/hosts-check.js';

const MEMINFO = 'MemTotal:       24000000 kB\nMemAvailable:   8388608 kB\n';

function engine(name: string, facts: Partial<EngineFacts> | Error, opts: { nodes?: string[]; vxlan?: number; image?: boolean } = {}): HostEngine {
  return {
    name,
    endpoint: `unix:///${name}.sock`,
    info: async () => {
      if (facts instanceof Error) throw facts;
      return { version: '26.1.5', swarmState: 'active', isManager: false, systemTime: new Date(1_000_000).toISOString(), ...facts };
    },
    swarmNodeIds: async () => opts.nodes ?? [],
    probe: async (cmd) => {
      if (opts.image === false) return undefined;
      if (cmd[0] === 'cat') return { exitCode: 0, stdout: MEMINFO, stderr: '' };
      return opts.vxlan ? { exitCode: opts.vxlan, stdout: '', stderr: 'Error: Unknown device type.' } : { exitCode: 0, stdout: '', stderr: '' };
    },
  };
}

/** A clock that advances 2 ms per reading, from 1,000,000 ms. */
const ticking = () => {
  let t = 1_000_000 - 1;
  return () => (t += 2);
};

describe('checkHosts', () => {
  it('passes a manager and a worker of its Swarm, and measures the clock offset with its error', async () => {
    const r = await checkHosts(
      [
        engine('h1', { isManager: true, nodeId: 'm1' }, { nodes: ['m1', 'w1'] }),
        engine('h2', { nodeId: 'w1', systemTime: new Date(1_000_000 + 120).toISOString() }),
      ],
      'h1',
      ticking(),
    );
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => `${c.host} ${c.check} ${c.status}`)).toEqual([
      'h1 engine ok',
      'h2 engine ok',
      'h1 swarm ok',
      'h1 vxlan ok',
      'h1 memory ok',
      'h2 swarm ok',
      'h2 vxlan ok',
      'h2 memory ok',
      'h2 clock warn',
    ]);
    // h1 answered in [1e6+1, 1e6+3] → offset -2 ± 1; h2 in [1e6+5, 1e6+7] with +120 → offset +114 ± 1.
    expect(r.checks.at(-1)?.detail).toBe('+116.0 ms vs h1 (± 2.0 ms)');
    expect(r.checks.find((c) => c.check === 'memory')?.detail).toBe('8.0 GiB available (~182 routers at ~45 MB)');
  });

  it.each([
    [
      'an unreachable engine',
      [engine('h1', { isManager: true }), engine('h2', new Error('connect ENOENT /h2.sock'))],
      'h2 engine',
      'cannot reach unix:///h2.sock: connect ENOENT',
    ],
    [
      'a host outside any Swarm',
      [engine('h1', { isManager: true }, { nodes: ['m1'] }), engine('h2', { swarmState: 'inactive' })],
      'h2 swarm',
      "docker swarm join on it, with h1's worker token",
    ],
    [
      'a worker of another Swarm',
      [engine('h1', { isManager: true }, { nodes: ['m1'] }), engine('h2', { nodeId: 'x9' })],
      'h2 swarm',
      "in another Swarm than h1's (node x9)",
    ],
    ['a manager that is a worker', [engine('h1', {}), engine('h2', { nodeId: 'w1' })], 'h1 swarm', 'not a manager'],
    ['a kernel without VXLAN', [engine('h1', { isManager: true }, { vxlan: 2 })], 'h1 vxlan', 'Unknown device type'],
  ])('fails on %s, naming the host', async (_what, engines, where, detail) => {
    const r = await checkHosts(engines, 'h1', ticking());
    expect(r.ok).toBe(false);
    const failed = r.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => `${c.host} ${c.check}`)).toEqual([where]);
    expect(failed[0].detail).toContain(detail);
    expect(renderHostsCheck(r)).toContain(` FAIL ${where.split(' ')[0]}`);
  });

  it('warns, not fails, where a host has no image to probe in', async () => {
    const r = await checkHosts([engine('h1', { isManager: true }, { image: false })], 'h1', ticking());
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.status === 'warn').map((c) => c.check)).toEqual(['vxlan', 'memory']);
  });
});
