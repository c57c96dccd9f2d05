// `lab break` / `lab restore` on a fake runtime with a toy fault mode: the
// catchment is measured around the inject and the restore, an inject that
// fails is restored before the error goes up, and only PoPs can be broken.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultMode } from '../../src/fault/fault.js';
import { setFault } from '../../src/fault/manual.js';
import { LABEL } from '../../src/runtime/labels.js';
import { loadLabFile } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const o = { progress: { step: () => undefined }, settle: { quietMs: 0, minWatchMs: 0 }, pollEveryMs: 1, timeoutMs: 2000, configRoot: '/nowhere' };

function world() {
  const broken = new Set<string>();
  const calls: string[] = [];
  const rt = new FakeRuntime({
    onExec: (container, cmd) => {
      const node = container.replace(`al-${lab.name}-`, '');
      if (cmd[0] === 'dig') {
        const home = lab.clients.find((c) => c.name === node)?.expect?.pop ?? null;
        return { stdout: `"${home && broken.has(home) ? 'iad' : home}"\n` };
      }
      return {};
    },
  });
  for (const n of [...lab.routers, ...lab.clients])
    rt.addContainer({ name: `al-${lab.name}-${n.name}`, labels: { [LABEL.lab]: lab.name, [LABEL.node]: n.name } });
  const toy = (failInject = false): FaultMode => ({
    name: 'toy',
    summary: 'breaks the PoP in the fake world',
    detection: 'silent',
    recreatesNode: false,
    bfdMatters: true,
    async prepare(ctx) {
      calls.push(`prepare ${ctx.pop}`);
    },
    async inject(ctx) {
      calls.push(`inject ${ctx.pop}`);
      broken.add(ctx.pop);
      if (failInject) throw new Error('inject failed halfway');
    },
    async restore(ctx) {
      calls.push(`restore ${ctx.pop}`);
      broken.delete(ctx.pop);
    },
  });
  return { rt, broken, calls, toy };
}

describe('break and restore a PoP by hand', () => {
  it('breaks fra (c-de moves to iad) and restores it (c-de comes back)', async () => {
    const w = world();
    const b = await setFault(w.rt, lab, 'fra', w.toy(), true, o);
    expect(b.change).toMatch(/^break fra: toy .*restore fra toy/);
    // The default lab is dual-stack: the catchment has a row per client per family, and a broken PoP loses both.
    const cde = (rows: typeof b.catchment) => lab.families.map((family) => rows.find((c) => c.client === 'c-de' && c.family === family));
    expect(cde(b.catchment)).toEqual(lab.families.map((family) => ({ client: 'c-de', family, before: 'fra', after: 'iad', moved: true })));
    expect(b.catchment.filter((c) => c.moved).map((c) => `${c.client}/${c.family}`)).toEqual(['c-de/ipv4', 'c-de/ipv6']);
    expect(w.broken.has('fra')).toBe(true);
    const r = await setFault(w.rt, lab, 'fra', w.toy(), false, o);
    expect(cde(r.catchment)).toEqual(lab.families.map((family) => ({ client: 'c-de', family, before: 'iad', after: 'fra', moved: true })));
    expect(w.calls).toEqual(['prepare fra', 'inject fra', 'restore fra']);
  });

  it('restores a PoP whose inject failed, then reports the failure', async () => {
    const w = world();
    await expect(setFault(w.rt, lab, 'fra', w.toy(true), true, o)).rejects.toThrow('inject failed halfway');
    expect(w.broken.size).toBe(0);
    expect(w.calls).toEqual(['prepare fra', 'inject fra', 'restore fra']);
  });

  it('refuses a router that is not a PoP, naming the PoPs', async () => {
    const w = world();
    await expect(setFault(w.rt, lab, 't-eu', w.toy(), true, o)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/t-eu does not announce the anycast prefix .*break\/restore act on fra, iad, nrt, gru/),
    });
    expect(w.calls).toEqual([]);
  });
});
