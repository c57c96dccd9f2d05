// Fault modes against a fake runtime: the exact engine calls and commands of
// inject and restore, and a restore that may run twice (it runs in `finally`,
// also after an inject that failed halfway, and again on the next attempt).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainBound, theoreticalBoundMs, withdrawsRoute } from '../../src/fault/detection.js';
import { FAULT_MODES, type FaultContext, faultMode } from '../../src/fault/index.js';
import { SILENT_TABLE } from '../../src/fault/silent.js';
import { uplinksOf } from '../../src/fault/uplinks.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type ExecHandler, FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
// gru has two uplinks (t-us, eb-br): the PoP side is one node with two interfaces.
const POP = 'gru';
const ends = uplinksOf(lab, POP).flatMap((u) => [u.pop, u.neighbour]);

/** `ip -o -4 addr show` per container: each uplink address on its own ethN, numbered in the order met. */
function addrShow(): ExecHandler {
  const byContainer = new Map<string, string[]>();
  for (const e of ends) byContainer.set(e.container, [...(byContainer.get(e.container) ?? []), e.address]);
  return (container, cmd) => {
    if (cmd.join(' ') !== 'ip -o -4 addr show') return undefined;
    const addrs = byContainer.get(container) ?? [];
    return {
      stdout: addrs
        .map((a, i) => `${10 + i}: eth${i + 1}@if${20 + i}    inet ${a}/29 brd 10.0.0.7 scope global eth${i + 1}\\       valid_lft forever`)
        .join('\n'),
    };
  };
}

function setup(onExec?: ExecHandler) {
  const rt = new FakeRuntime({ running: [...new Set(ends.map((e) => e.container))], onExec });
  const steps: string[] = [];
  const ctx: FaultContext = { rt, lab, pop: POP, progress: { step: (s, st) => steps.push(`${s} ${st}`) }, configRoot: '/nonexistent', prepared: {} };
  return { rt, ctx, steps };
}

const popContainer = `al-${lab.name}-${POP}`;

describe('fault mode descriptors', () => {
  it('every mode declares its detection, whether it recreates the node and whether BFD matters', () => {
    for (const m of FAULT_MODES) {
      expect(typeof m.recreatesNode, m.name).toBe('boolean');
      expect(typeof m.bfdMatters, m.name).toBe('boolean');
      expect(
        Number.isNaN(
          theoreticalBoundMs(m.detection, { bfd: { enabled: true, interval: 100, multiplier: 3 }, holdS: 9, health: { interval: 200, failures: 3 } }),
        ),
        m.name,
      ).toBe(false);
    }
    expect(FAULT_MODES.filter((m) => m.recreatesNode).map((m) => m.name)).toEqual(['kill']);
  });

  it('the bench skips BFD off exactly for the modes where BFD plays no part', async () => {
    const { benchCases } = await import('../../src/bench/failover.js');
    const cases = benchCases(
      FAULT_MODES.map((m) => m.name),
      ['100x3', 'off'],
    );
    for (const m of FAULT_MODES) {
      expect(
        cases.some((c) => c.fault === m.name && c.bfd === '100x3'),
        m.name,
      ).toBe(true);
      expect(
        cases.some((c) => c.fault === m.name && c.bfd === 'off'),
        m.name,
      ).toBe(m.bfdMatters);
    }
  });

  it('a fault that withdraws nothing promises no move: infinite bound, said so', () => {
    const p = { bfd: { enabled: true, interval: 100, multiplier: 3 }, holdS: 9, health: { interval: 200, failures: 3 } };
    expect(withdrawsRoute('none')).toBe(false);
    expect(withdrawsRoute('silent')).toBe(true);
    expect(theoreticalBoundMs('none', p)).toBe(Infinity);
    expect(explainBound('none', p)).toBe('nothing withdraws the route');
  });
});

describe('freeze', () => {
  it('pauses the PoP; restore unpauses it, and a second restore does nothing', async () => {
    const { rt, ctx } = setup();
    const freeze = faultMode('freeze');
    await freeze.inject(ctx);
    expect(rt.lifecycle()).toEqual([`pauseContainer ${popContainer}`]);
    expect([...rt.containers.values()].find((c) => c.name === popContainer)?.state).toBe('paused');

    rt.clearCalls();
    await freeze.restore(ctx);
    expect(rt.lifecycle()).toEqual([`inspectContainer ${popContainer}`, `unpauseContainer ${popContainer}`]);
    expect([...rt.containers.values()].find((c) => c.name === popContainer)?.state).toBe('running');

    rt.clearCalls();
    await freeze.restore(ctx);
    expect(rt.lifecycle()).toEqual([`inspectContainer ${popContainer}`]);
  });

  it('restore after an inject that never happened touches nothing', async () => {
    const { rt, ctx } = setup();
    await faultMode('freeze').restore(ctx);
    expect(rt.lifecycle()).toEqual([`inspectContainer ${popContainer}`]);
  });
});

describe('cut', () => {
  it('prepare finds the interfaces; inject downs both ends of every uplink, one exec per node', async () => {
    const { rt, ctx } = setup(addrShow());
    const cut = faultMode('cut');
    await cut.prepare!(ctx);
    expect(rt.execs().every((c) => c === 'ip -o -4 addr show')).toBe(true);
    rt.clearCalls();
    await cut.inject(ctx);
    // The PoP's two uplinks are one command; each neighbour has one.
    expect(rt.execs(popContainer)).toEqual(['sh -c ip link set dev eth1 down && ip link set dev eth2 down']);
    for (const n of uplinksOf(lab, POP).map((u) => u.neighbour)) expect(rt.execs(n.container)).toEqual(['sh -c ip link set dev eth1 down']);
    expect(rt.lifecycle()).toEqual([]);
  });

  it('restore looks the interfaces up again and sets them up; running it twice gives the same commands', async () => {
    const { rt, ctx } = setup(addrShow());
    const cut = faultMode('cut');
    await cut.restore(ctx);
    const once = rt.execs();
    // One address look-up per uplink end (the PoP has two), then one command per node.
    expect(rt.execs(popContainer)).toEqual(['ip -o -4 addr show', 'ip -o -4 addr show', 'sh -c ip link set dev eth1 up && ip link set dev eth2 up']);
    rt.clearCalls();
    await cut.restore(ctx);
    expect(rt.execs()).toEqual(once);
  });

  it('a failed command is a FAULT error naming the node and the step', async () => {
    const { ctx } = setup((c, cmd) => (cmd[0] === 'sh' ? { exitCode: 2, stderr: 'RTNETLINK answers: Operation not permitted' } : addrShow()(c, cmd)));
    await expect(faultMode('cut').inject(ctx)).rejects.toMatchObject({
      code: 'FAULT',
      message: expect.stringMatching(/: set uplink down: .*exited 2: RTNETLINK answers: Operation not permitted/),
    });
  });
});

describe('silent', () => {
  it('inject loads the drop table on both ends; restore deletes it only where it exists, so twice is fine', async () => {
    const tables = new Set<string>();
    const onExec: ExecHandler = (c, cmd, stdin) => {
      const line = cmd.join(' ');
      if (line === 'nft -f -' && stdin?.includes(SILENT_TABLE)) tables.add(c);
      if (line.includes(`nft delete table inet ${SILENT_TABLE}`)) tables.delete(c);
      return addrShow()(c, cmd);
    };
    const { rt, ctx } = setup(onExec);
    const silent = faultMode('silent');
    await silent.prepare!(ctx);
    rt.clearCalls();
    await silent.inject(ctx);
    const loads = rt.execLog;
    expect(loads.map((c) => c.cmd.join(' '))).toEqual(Array(3).fill('nft -f -'));
    expect(loads.find((c) => c.container === popContainer)?.stdin).toMatch(/iifname \{ "eth1", "eth2" \} drop/);
    expect(tables.size).toBe(3);

    rt.clearCalls();
    await silent.restore(ctx);
    const remove = `sh -c nft list table inet ${SILENT_TABLE} >/dev/null 2>&1 || exit 0; nft delete table inet ${SILENT_TABLE}`;
    expect(rt.execs(popContainer)).toEqual([remove]);
    expect(rt.execs()).toHaveLength(3);
    expect(tables.size).toBe(0);
    await silent.restore(ctx);
    expect(tables.size).toBe(0);
  });
});
