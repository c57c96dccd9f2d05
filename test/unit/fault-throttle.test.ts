// The throttle mode against a fake runtime: a tbf qdisc on both ends of every
// uplink, removed by a restore that can run any number of times. The shell
// lines were also run as-is in an unprivileged network namespace (unshare -rn,
// on lo): replace twice, delete once, the second delete does nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withdrawsRoute } from '../../src/fault/detection.js';
import { type FaultContext, faultMode } from '../../src/fault/index.js';
import { throttleCommand, unthrottleCommand } from '../../src/fault/throttle.js';
import { uplinksOf } from '../../src/fault/uplinks.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type ExecHandler, FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const POP = 'gru';
const ends = uplinksOf(lab, POP).flatMap((u) => [u.pop, u.neighbour]);
const popContainer = `al-${lab.name}-${POP}`;

/** Every uplink address on its own ethN; the qdisc state per container+interface, as tc would keep it. */
function tcRouter() {
  const qdisc = new Set<string>();
  const addrs = new Map<string, string[]>();
  for (const e of ends) addrs.set(e.container, [...(addrs.get(e.container) ?? []), e.address]);
  const onExec: ExecHandler = (c, cmd) => {
    const line = cmd.join(' ');
    if (line === 'ip -o -4 addr show')
      return { stdout: (addrs.get(c) ?? []).map((a, i) => `${10 + i}: eth${i + 1}@if${20 + i}    inet ${a}/29 scope global eth${i + 1}`).join('\n') };
    for (const [, dev] of line.matchAll(/tc qdisc replace dev (\S+) root tbf/g)) qdisc.add(`${c}/${dev}`);
    for (const [, dev] of line.matchAll(/tc qdisc del dev (\S+) root/g)) qdisc.delete(`${c}/${dev}`);
    return undefined;
  };
  return { qdisc, onExec };
}

describe('throttle', () => {
  it('declares a fault that withdraws nothing, so no client is expected to move', () => {
    const m = faultMode('throttle');
    expect(withdrawsRoute(m.detection)).toBe(false);
    expect(m.recreatesNode).toBe(false);
  });

  it('inject puts a 64 kbit/s tbf on both ends of every uplink, one exec per node', async () => {
    const { qdisc, onExec } = tcRouter();
    const rt = new FakeRuntime({ running: [...new Set(ends.map((e) => e.container))], onExec });
    const ctx: FaultContext = { rt, lab, pop: POP, progress: { step() {} }, configRoot: '/nonexistent', prepared: {} };
    const throttle = faultMode('throttle');
    await throttle.prepare!(ctx);
    rt.clearCalls();
    await throttle.inject(ctx);
    expect(rt.execs(popContainer)).toEqual([
      'sh -c tc qdisc replace dev eth1 root tbf rate 64kbit burst 2k latency 50ms && tc qdisc replace dev eth2 root tbf rate 64kbit burst 2k latency 50ms',
    ]);
    for (const n of uplinksOf(lab, POP).map((u) => u.neighbour)) expect(rt.execs(n.container)).toEqual([`sh -c ${throttleCommand('eth1')}`]);
    expect(rt.lifecycle()).toEqual([]);
    expect(qdisc.size).toBe(4);

    rt.clearCalls();
    await throttle.restore(ctx);
    expect(rt.execs(popContainer).filter((c) => c.startsWith('sh '))).toEqual([`sh -c ${unthrottleCommand('eth1')} && ${unthrottleCommand('eth2')}`]);
    expect(qdisc.size).toBe(0);
    const once = rt.execs();
    rt.clearCalls();
    await throttle.restore(ctx);
    expect(rt.execs()).toEqual(once);
  });

  it('removes only a root tbf: restore on an untouched link is a no-op, not an error', () => {
    expect(unthrottleCommand('eth1')).toBe("if tc qdisc show dev eth1 | grep -q '^qdisc tbf .* root '; then tc qdisc del dev eth1 root; fi");
  });
});
