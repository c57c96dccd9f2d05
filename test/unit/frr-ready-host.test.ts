// `up`'s FRR-ready check without an exec: the ready marker read through the
// container's root, every daemon's running config and the state over their
// vty sockets (fakes speaking FRR's protocol, answering with what iad's
// daemons answered in a converged default lab), and the exec path whenever
// any of that is out of reach.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enabledDaemons, readyStatus, waitFrrReady } from '../../src/lab/frr-ready.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { loadLabFile } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';
import { fakeDaemon } from './support/fake-vty.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const fixture = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frr', f), 'utf8');
const written = (d: string) => fixture(`iad.write-terminal.${d}.txt`);
const READY = '{"daemonsMs":41,"applyMs":12,"at":1796661500000}';

let root = '';
const servers: Server[] = [];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'frr-root-'));
  for (const d of ['etc/frr', 'run/frr', 'run/anycast-lab']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/frr/daemons'), renderRouter(lab, 'iad').daemons);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

/** iad's three daemons on their sockets; `configs` replaces what a daemon answers to `write terminal`; `without` leaves one out (dead). */
async function daemons(o: { configs?: Record<string, string>; without?: string } = {}) {
  const state: Record<string, Record<string, string>> = {
    bgpd: { 'show bgp summary json': fixture('fra.bgp-summary.json') },
    bfdd: { 'show bfd peers json': fixture('fra.bfd-peers.json') },
    zebra: { 'show ip route json': fixture('fra.ip-route.json'), 'show ipv6 route json': '{}\n' },
  };
  for (const d of ['zebra', 'bgpd', 'bfdd'].filter((d) => d !== o.without)) {
    servers.push(await fakeDaemon(join(root, 'run/frr', `${d}.vty`), { ...state[d], 'write terminal': o.configs?.[d] ?? written(d) }));
  }
}

/** The runtime reaches the router's root at `root`; an exec (the fallback, a repair) answers as the ready script or the repair would, with vtysh's merged config. */
function runtime() {
  const merged = renderRouter(lab, 'iad')['frr.conf'];
  const rt = new FakeRuntime({
    running: ['al-default-iad'],
    onExec: (_c, cmd) => {
      const script = cmd.join(' ');
      if (script.includes('frr-ready')) return { stdout: `${READY}\n@@anycast-lab@@\n${merged}` };
      return script.includes('vtysh -b') ? { stdout: merged } : {};
    },
  });
  return Object.assign(rt, { hostPath: async (_c: string, path: string) => `${root}${path}` });
}

const ready = (rt: FakeRuntime, o: { startedAt?: number; deadlineMs?: number } = {}) =>
  waitFrrReady(rt, lab, 'al-default-iad', 'iad', { deadlineMs: o.deadlineMs ?? 2000, progress: { step: () => {} }, startedAt: o.startedAt });

describe('readyStatus: frr-start.sh’s conclusion, read through the router’s root', () => {
  it('is undefined until a marker is there, then the ready JSON or FAILED with the reason', () => {
    expect(readyStatus(root)).toBeUndefined();
    writeFileSync(join(root, 'run/anycast-lab/frr-failed'), 'bgpd failed to start\n');
    expect(readyStatus(root)).toBe('FAILED: bgpd failed to start');
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`);
    expect(readyStatus(root)).toBe(READY);
  });

  it('waits past a marker from before the container’s start, and past one half written', () => {
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`);
    expect(readyStatus(root, 1796661500001)).toBeUndefined();
    expect(readyStatus(root, 1796661500000)).toBe(READY);
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), '{"daemonsMs":41,"app');
    expect(readyStatus(root)).toBeUndefined();
  });

  it('says so when the container’s root is gone (it stopped or restarted)', () => {
    rmSync(join(root, 'etc'), { recursive: true });
    expect(typeof readyStatus(root)).toBe('symbol');
  });
});

describe('enabledDaemons', () => {
  it('are zebra and every <name>d=yes of Debian’s daemons file, as vtysh asks them', () => {
    expect(enabledDaemons(renderRouter(lab, 'iad').daemons)).toEqual(['zebra', 'bgpd', 'bfdd']);
    expect(enabledDaemons('zebra=yes\nbgpd=no\nstaticd=yes\nvtysh_enable=yes\n')).toEqual(['zebra', 'staticd']);
  });
});

describe('waitFrrReady over the router’s root and vty sockets', () => {
  it('reads the marker, the running config and the state with no exec, and finds nothing to repair', async () => {
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`);
    await daemons();
    const rt = runtime();
    const r = await ready(rt);
    expect(rt.execLog).toEqual([]);
    expect(r).toMatchObject({ repaired: 0, daemonsMs: 41, applyMs: 12, readyAt: 1796661500000, drained: false, overrides: [] });
    expect(r.state?.bgp.map((p) => p.state)).toEqual(['Established']);
  });

  it('waits for a marker written after it started looking, and sees the drain marker', async () => {
    await daemons();
    writeFileSync(join(root, 'run/anycast-lab/drain'), '');
    setTimeout(() => writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`), 300);
    const rt = runtime();
    const r = await ready(rt);
    expect(rt.execLog).toEqual([]);
    expect(r.drained).toBe(true);
  });

  it('reads a live override from bgpd’s route-maps, with no exec', async () => {
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`);
    const bgpd = written('bgpd').replace(
      ' match ip address prefix-list OUT-t-us\n',
      ' match ip address prefix-list OUT-t-us\n set as-path prepend 64500 64500 64500\n',
    );
    await daemons({ configs: { bgpd } });
    const rt = runtime();
    const r = await ready(rt);
    expect(rt.execLog).toEqual([]);
    expect(r.overrides).toHaveLength(1);
  });

  it('repairs through an exec when a daemon’s running config lacks a rendered statement', async () => {
    writeFileSync(join(root, 'run/anycast-lab/frr-ready'), `${READY}\n`);
    const lost = (d: string) => written(d).replace('ip prefix-list ANYCAST seq 5 permit 192.0.2.0/24\n', '');
    await daemons({ configs: { zebra: lost('zebra'), bgpd: lost('bgpd') } });
    const rt = runtime();
    const r = await ready(rt);
    expect(r.repaired).toBe(1);
    expect(rt.execs().some((e) => e.includes('vtysh -b'))).toBe(true);
  });

  it('times out naming the router when no marker comes', async () => {
    await daemons();
    await expect(ready(runtime(), { deadlineMs: 300 })).rejects.toThrow(/iad: FRR was not up with its config within 1 s/);
  });

  const marker = (name: 'frr-ready' | 'frr-failed', text: string) => writeFileSync(join(root, 'run/anycast-lab', name), text);
  it.each([
    ['a daemon is down (no socket)', () => daemons({ without: 'bgpd' }).then(() => marker('frr-ready', `${READY}\n`))],
    ['frr-start.sh gave up', () => daemons().then(() => marker('frr-failed', 'bgpd failed to start\n'))],
  ])('takes the exec path when %s, which reports it as vtysh does', async (_what, setup) => {
    await setup();
    const rt = runtime();
    await ready(rt);
    expect(rt.execLog[0]?.cmd.join(' ')).toMatch(/^bash -c exec 3<> <\(:\)/);
  });
});
