import { describe, expect, it } from 'vitest';
import { DEFAULT_LAB } from '../../src/cli/context.js';
import { needsSerialExecs, runtimeForBfd, withBfd } from '../../src/experiment/bfd-override.js';
import { limitExecs } from '../../src/runtime/exec-limit.js';
import type { ContainerRuntime, ExecResult } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import { limiter } from '../../src/util/concurrency.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts execs in flight; a private field, as the Docker runtime's, that a wrongly bound method would lose. */
class SlowRuntime {
  #engine = 'engine';
  inFlight = 0;
  maxInFlight = 0;
  order: string[] = [];
  async exec(id: string, cmd: string[]): Promise<ExecResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.order.push(`${id} ${cmd.join(' ')}`);
    await tick(5);
    this.inFlight--;
    if (cmd[0] === 'false') throw new Error(`${id}: exec failed`);
    return { exitCode: 0, stdout: id, stderr: '' };
  }
  async ping() {
    return this.#engine;
  }
}

describe('limitExecs', () => {
  it('runs at most one exec at a time, in call order, and answers each call', async () => {
    const slow = new SlowRuntime();
    const rt = limitExecs(slow as unknown as ContainerRuntime, 1);
    const names = ['fra', 'iad', 'nrt', 'gru', 't-eu'];
    const out = await Promise.all(names.map((n) => rt.exec(n, ['vtysh'])));
    expect(out.map((r) => r.stdout)).toEqual(names);
    expect(slow.maxInFlight).toBe(1);
    expect(slow.order).toEqual(names.map((n) => `${n} vtysh`));
  });

  it('lets `concurrency` run together, and a failed exec frees its slot', async () => {
    const slow = new SlowRuntime();
    const rt = limitExecs(slow as unknown as ContainerRuntime, 2);
    const results = await Promise.allSettled([rt.exec('a', ['false']), rt.exec('b', ['true']), rt.exec('c', ['true']), rt.exec('d', ['true'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(slow.maxInFlight).toBe(2);
  });

  it('passes every other method through to the runtime itself', async () => {
    const rt = limitExecs(new SlowRuntime() as unknown as ContainerRuntime, 1);
    expect(await rt.ping()).toBe('engine');
  });

  it('without the limit the same calls all run at once (what the limit prevents)', async () => {
    const slow = new SlowRuntime();
    await Promise.all(['a', 'b', 'c'].map((n) => slow.exec(n, ['true'])));
    expect(slow.maxInFlight).toBe(3);
  });
});

describe('limiter', () => {
  it('queues past the limit and hands the slot on', async () => {
    const run = limiter(2);
    let active = 0;
    let peak = 0;
    const job = async (i: number) => {
      active++;
      peak = Math.max(peak, active);
      await tick(2);
      active--;
      return i;
    };
    expect(await Promise.all([1, 2, 3, 4, 5].map((i) => run(() => job(i))))).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});

describe('needsSerialExecs', () => {
  const lab = loadLabFile(DEFAULT_LAB);
  it('is off at the default lab’s 100x3 (detection 300 ms) and with BFD off', () => {
    expect(needsSerialExecs(lab)).toBe(false);
    expect(needsSerialExecs(withBfd(lab, { enabled: false, interval: 0, multiplier: 0 }))).toBe(false);
  });
  it('is on when any one session detects faster, e.g. 20x3 on fra’s sessions only', () => {
    expect(needsSerialExecs(withBfd(lab, { enabled: true, interval: 20, multiplier: 3 }, 'fra'))).toBe(true);
    expect(needsSerialExecs(withBfd(lab, { enabled: true, interval: 50, multiplier: 5 }))).toBe(true);
    expect(needsSerialExecs(withBfd(lab, { enabled: true, interval: 100, multiplier: 3 }))).toBe(false);
  });
});

describe('runtimeForBfd', () => {
  const lab = loadLabFile(DEFAULT_LAB);
  it('hands back the runtime itself at 100x3, and one that makes one exec at a time at 20x3@fra', async () => {
    const slow = new SlowRuntime();
    const rt = slow as unknown as ContainerRuntime;
    expect(runtimeForBfd(rt, lab)).toEqual({ rt, serial: false });
    const fast = runtimeForBfd(rt, withBfd(lab, { enabled: true, interval: 20, multiplier: 3 }, 'fra'));
    expect(fast.serial).toBe(true);
    await Promise.all(['a', 'b', 'c'].map((id) => fast.rt.exec(id, ['true'])));
    expect(slow.maxInFlight).toBe(1);
  });
});
