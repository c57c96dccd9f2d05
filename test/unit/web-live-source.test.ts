// The real DashboardSource asks the lab through the same functions as the
// CLI; here the runtime is a fake that records what would have run.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { monoMs } from '../../src/contract/sample.js';
import { createProgress } from '../../src/lab/progress.js';
import { REPO_ROOT } from '../../src/paths.js';
import { loadLabFile } from '../../src/topology/load.js';
import { liveSource } from '../../src/web/live-source.js';
import { listingRuntime } from './support/listing-runtime.js';

const lab = loadLabFile(join(REPO_ROOT, 'labs', 'default.yaml'));
const progress = createProgress(() => {});

describe('liveSource', () => {
  it('reads the catchment from one UDP-only probe agent per client, and stops them on close', async () => {
    const rt = listingRuntime([], { exitCode: 0, stdout: '', stderr: '' });
    const started: { id: string; config: Record<string, unknown> }[] = [];
    const ends: (() => void)[] = [];
    rt.execStream = async (id: string, cmd: string[]) => {
      const config = JSON.parse(cmd[2]) as Record<string, unknown>;
      started.push({ id, config });
      const stdout = new PassThrough();
      // The default lab is dual-stack: the one agent answers for both families.
      for (const family of ['ipv4', 'ipv6'])
        stdout.write(`${JSON.stringify({ client: config.client, family, kind: 'udp-dns', seq: 0, sentMs: monoMs(), pop: 'fra', outcome: 'ok' })}\n`);
      // An agent ends when pkill reaches it (below).
      const done = new Promise<number>((resolve) =>
        ends.push(() => {
          stdout.end();
          resolve(0);
        }),
      );
      return { stdout, stderr: new PassThrough(), done };
    };
    const exec = rt.exec.bind(rt);
    rt.exec = async (id: string, cmd: string[]) => {
      if (cmd[0] === 'pkill') for (const end of ends.splice(0)) end();
      return exec(id, cmd);
    };
    const src = liveSource(rt, lab, progress, '/nonexistent-config-root');
    const c = await src.catchment();
    expect(c).toEqual(Object.fromEntries(lab.clients.flatMap((x) => [x.name, `${x.name}/ipv6`].map((k) => [k, 'fra']))));
    expect(started.map((s) => s.id).sort()).toEqual(lab.clients.map((x) => `al-default-${x.name}`).sort());
    expect(started[0].config).toMatchObject({ udpIntervalMs: 200, tcpIntervalMs: 0, httpIntervalMs: 0, streams: 0 });
    await src.catchment();
    expect(started).toHaveLength(lab.clients.length);
    rt.execCalls.length = 0;
    await src.close?.();
    expect(rt.execCalls.map((e) => e.cmd.slice(0, 2))).toEqual(lab.clients.map(() => ['pkill', '-TERM']));
  });

  it('on a dual-stack lab the catchment carries each client’s IPv6 answer under client/ipv6', async () => {
    const dual = loadLabFile(join(REPO_ROOT, 'labs', 'dual-stack.yaml'));
    const rt = listingRuntime([], { exitCode: 0, stdout: '', stderr: '' });
    rt.execStream = async (_id: string, cmd: string[]) => {
      const config = JSON.parse(cmd[2]) as Record<string, unknown>;
      const stdout = new PassThrough();
      const sentMs = monoMs();
      // One agent, both families interleaved, each numbering its own probes (IPv6 answered by iad here).
      stdout.write(`${JSON.stringify({ client: config.client, kind: 'udp-dns', seq: 0, sentMs, pop: 'fra', outcome: 'ok' })}\n`);
      stdout.write(`${JSON.stringify({ client: config.client, family: 'ipv6', kind: 'udp-dns', seq: 0, sentMs, pop: 'iad', outcome: 'ok' })}\n`);
      return { stdout, stderr: new PassThrough(), done: new Promise<number>(() => {}) };
    };
    const c = await liveSource(rt, dual, progress, '/nonexistent-config-root').catchment();
    expect(c).toEqual(
      Object.fromEntries(
        dual.clients.flatMap((x) => [
          [x.name, 'fra'],
          [`${x.name}/ipv6`, 'iad'],
        ]),
      ),
    );
  });

  it("runs lg's command on the router and parses the paths", async () => {
    const out = JSON.stringify({ paths: [{ aspath: { string: '64500' }, valid: true, bestpath: { overall: true }, peer: { peerId: '10.77.0.2' } }] });
    const rt = listingRuntime([], { exitCode: 0, stdout: out, stderr: '' });
    const lg = await liveSource(rt, lab, progress, '/nonexistent-config-root').lookingGlass('t-eu');
    expect(rt.execCalls).toEqual([{ id: 'al-default-t-eu', cmd: ['vtysh', '-c', 'show bgp ipv4 unicast 192.0.2.0/24 json'] }]);
    expect(lg).toMatchObject({ router: 't-eu', prefix: '192.0.2.0/24', paths: [{ asPath: '64500', best: true }] });
  });

  it('names the routers when asked for one the lab does not have', async () => {
    const rt = listingRuntime([]);
    await expect(liveSource(rt, lab, progress, '/nonexistent-config-root').lookingGlass('c-de')).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('fra, iad'),
    });
    expect(rt.execCalls).toEqual([]);
  });
});
