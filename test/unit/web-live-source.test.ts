// The real DashboardSource asks the lab through the same functions as the
// CLI; here the runtime is a fake that records what would have run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/lab/progress.js';
import { REPO_ROOT } from '../../src/paths.js';
import { loadLabFile } from '../../src/topology/load.js';
import { liveSource } from '../../src/web/live-source.js';
import { listingRuntime } from './support/listing-runtime.js';

const lab = loadLabFile(join(REPO_ROOT, 'labs', 'default.yaml'));
const progress = createProgress(() => {});

describe('liveSource', () => {
  it('asks every client once, with a 1 s dig deadline', async () => {
    const rt = listingRuntime([], { exitCode: 0, stdout: '"fra"\n', stderr: '' });
    const c = await liveSource(rt, lab, progress).catchment();
    expect(Object.keys(c).sort()).toEqual(lab.clients.map((x) => x.name).sort());
    expect(Object.values(c).every((p) => p === 'fra')).toBe(true);
    expect(rt.execCalls).toHaveLength(lab.clients.length);
    expect(rt.execCalls.find((e) => e.id === 'al-default-c-de')?.cmd).toEqual([
      'dig',
      '+tries=1',
      '+time=1',
      '@192.0.2.53',
      'hostname.bind',
      'CH',
      'TXT',
      '+short',
    ]);
  });

  it("runs lg's command on the router and parses the paths", async () => {
    const out = JSON.stringify({ paths: [{ aspath: { string: '64500' }, valid: true, bestpath: { overall: true }, peer: { peerId: '10.77.0.2' } }] });
    const rt = listingRuntime([], { exitCode: 0, stdout: out, stderr: '' });
    const lg = await liveSource(rt, lab, progress).lookingGlass('t-eu');
    expect(rt.execCalls).toEqual([{ id: 'al-default-t-eu', cmd: ['vtysh', '-c', 'show bgp ipv4 unicast 192.0.2.0/24 json'] }]);
    expect(lg).toMatchObject({ router: 't-eu', prefix: '192.0.2.0/24', paths: [{ asPath: '64500', best: true }] });
  });

  it('names the routers when asked for one the lab does not have', async () => {
    const rt = listingRuntime([]);
    await expect(liveSource(rt, lab, progress).lookingGlass('c-de')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('fra, iad') });
    expect(rt.execCalls).toEqual([]);
  });
});
