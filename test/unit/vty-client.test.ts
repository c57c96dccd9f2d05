// The vty socket client against a server speaking FRR's vtysh protocol (each
// command NUL-terminated; output, three NULs and a status byte back), and
// readRouterState taking that path instead of an exec when the runtime can
// reach the container's /run/frr.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRouterState } from '../../src/lab/router-query.js';
import { vtyQuery } from '../../src/lab/vty-client.js';
import { FakeRuntime } from './support/fake-runtime.js';
import { fakeDaemon } from './support/fake-vty.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/frr/${name}`, import.meta.url), 'utf8');

let dir = '';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});
const daemon = async (name: string, answers: Record<string, string>, opts?: { chunk?: number; silent?: boolean }) => {
  dir ||= mkdtempSync(join(tmpdir(), 'vty-'));
  servers.push(await fakeDaemon(join(dir, `${name}.vty`), answers, opts));
  return join(dir, `${name}.vty`);
};

describe('vtyQuery', () => {
  it('returns each command’s output, in order, after enabling', async () => {
    const sock = await daemon('bgpd', { 'show a': 'A\n', 'show b': '{"b":1}\n' });
    expect(await vtyQuery(sock, ['show a', 'show b'])).toEqual(['A\n', '{"b":1}\n']);
  });

  it('reassembles answers that arrive in pieces, the terminator split too', async () => {
    // 5,001 bytes and the 4-byte terminator in pieces of 2,501: the last
    // piece holds only the terminator's last three bytes.
    const big = `${'x'.repeat(5000)}\n`;
    const sock = await daemon('zebra', { 'show ip route json': big }, { chunk: 2501 });
    expect(await vtyQuery(sock, ['show ip route json'])).toEqual([big]);
  });

  it('fails on a refused command, naming it', async () => {
    const sock = await daemon('bfdd', {});
    await expect(vtyQuery(sock, ['show bfd peers json'])).rejects.toThrow(/`show bfd peers json` refused \(status 2\): % Unknown command/);
  });

  it('fails when the daemon does not answer in time (a frozen container)', async () => {
    const sock = await daemon('bgpd', {}, { silent: true });
    await expect(vtyQuery(sock, ['show bgp summary json'], 100)).rejects.toThrow(/no answer within 100 ms/);
  });

  it('fails when no daemon listens', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vty-'));
    await expect(vtyQuery(join(dir, 'bgpd.vty'), ['show bgp summary json'])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('readRouterState', () => {
  const docs = {
    bgpd: { 'show bgp summary json': fixture('fra.bgp-summary.json') },
    bfdd: { 'show bfd peers json': fixture('fra.bfd-peers.json') },
    // An [ipv4] lab's router (IPv6 disabled) answers the IPv6 table with an empty document.
    zebra: { 'show ip route json': fixture('fra.ip-route.json'), 'show ipv6 route json': '{}\n' },
  };
  const fraDocs = ['bgp-summary', 'bfd-peers', 'ip-route'].map((w) => fixture(`fra.${w}.json`)).join('\n');

  it('asks the daemons’ vty sockets when the runtime reaches /run/frr, with no exec', async () => {
    for (const [d, a] of Object.entries(docs)) await daemon(d, a);
    const rt = Object.assign(new FakeRuntime({ running: ['al-default-fra'] }), {
      hostPath: async (_c: string, path: string) => (path === '/run/frr' ? dir : undefined),
    });
    const state = await readRouterState(rt, 'al-default-fra');
    expect(rt.execLog).toEqual([]);
    expect(state.bgp.map((p) => p.state)).toEqual(['Established']);
    expect(state.bfd.map((p) => p.status)).toEqual(['up']);
    expect(state.routes).toContain('192.0.2.0/24');
  });

  it('falls back to one vtysh exec when a daemon’s socket is missing (bgpd down) or out of reach', async () => {
    await daemon('bfdd', docs.bfdd);
    await daemon('zebra', docs.zebra);
    const rt = Object.assign(new FakeRuntime({ running: ['al-default-fra'], onExec: () => ({ stdout: fraDocs }) }), {
      hostPath: async () => dir,
    });
    const state = await readRouterState(rt, 'al-default-fra');
    expect(rt.execLog.map((e) => e.cmd[0])).toEqual(['vtysh']);
    expect(state.bgp.map((p) => p.state)).toEqual(['Established']);

    const remote = new FakeRuntime({ running: ['al-default-fra'], onExec: () => ({ stdout: fraDocs }) });
    expect((await readRouterState(remote, 'al-default-fra')).routes).toContain('192.0.2.0/24');
    expect(remote.execLog).toHaveLength(1);
  });
});
