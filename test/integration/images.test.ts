import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../src/runtime/docker-runtime.js';
import { ensureImages } from '../../src/runtime/ensure-images.js';
import { BGPD_HOLDS_LABEL, FRR_POLL_LABEL } from '../../src/runtime/image-specs.js';

// Builds the images when missing (~25-40 s cold, both in parallel), then
// checks the tools the lab relies on inside each. Helper containers are
// removed; afterAll sweeps any that a failed assertion left behind.
const rt = createDockerRuntime();
let refs: { router: string; client: string; built: string[] };

beforeAll(async () => {
  const t0 = performance.now();
  refs = await ensureImages(rt, {});
  console.log(`ensureImages: built [${refs.built.join(', ')}] in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  const left = await rt.listContainers({ 'anycast-lab.kind': 'helper', 'anycast-lab.test': 'images' });
  await Promise.all(left.map((c) => rt.removeContainer(c.id).catch(() => {})));
});

let seq = 0;
const sh = (ref: string, script: string) =>
  rt.runToCompletion({
    name: `al-images-test-${process.pid}-${seq++}`,
    image: ref,
    cmd: ['sh', '-c', script],
    networkMode: 'none',
    labels: { 'anycast-lab.kind': 'helper', 'anycast-lab.test': 'images' },
  });

describe('ensureImages', () => {
  it('returns content-hash refs and tags :current', async () => {
    expect(refs.router).toMatch(/^anycast-lab\/router:[0-9a-f]{12}$/);
    expect(refs.client).toMatch(/^anycast-lab\/client:[0-9a-f]{12}$/);
    for (const ref of [refs.router, refs.client]) {
      const current = ref.replace(/:[0-9a-f]{12}$/, ':current');
      const [a, b] = await Promise.all([rt.inspectImage(ref), rt.inspectImage(current)]);
      expect(b?.id).toBe(a?.id);
      expect(a?.labels['anycast-lab.kind']).toBe('image');
    }
  });

  it('is a no-op when the images exist', async () => {
    const t0 = performance.now();
    const again = await ensureImages(rt, {});
    expect(again.built).toEqual([]);
    expect(again.router).toBe(refs.router);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('router image', () => {
  it('runs node 20, the FRR daemons and GoBGP (the route collector)', async () => {
    const res = await sh(
      refs.router,
      'node --version && /usr/lib/frr/bgpd --version && /usr/lib/frr/bfdd --version && test -x /usr/lib/frr/zebra && test -x /usr/lib/frr/staticd && command -v vtysh nft tc nsd dig tcpdump ping gobgpd gobgp',
    );
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^v20\./m);
    expect(res.stdout).toMatch(/bgpd version \d+\.\d+/);
  });

  it("carries bgpd without its work-queue holds (the builder's patch applied, and bgpd still runs: --version above)", async () => {
    // "stock" would mean the patch did not recognise this bgpd: failover at fast BFD ~60 ms slower.
    expect((await rt.inspectImage(refs.router))?.labels[BGPD_HOLDS_LABEL]).toBe('0');
  });

  it("carries libfrr with its poll timeout rounded up (the builder's patch applied, and bgpd and bfdd still run: --version above)", async () => {
    // "stock" would mean the patch did not recognise this libfrr: every FRR daemon spins before each timer.
    expect((await rt.inspectImage(refs.router))?.labels[FRR_POLL_LABEL]).toBe('ceil');
  });
});

describe('client image', () => {
  it('runs node 20, dig, dnsperf and curl', async () => {
    const res = await sh(refs.client, 'node --version && dig -v 2>&1 && dnsperf -h 2>&1 | head -1 && curl --version | head -1 && command -v nft ip ping');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^v20\./m);
    expect(res.stdout).toMatch(/DiG 9\./);
    expect(res.stdout).toMatch(/Usage: dnsperf/);
    expect(res.stdout).toMatch(/^curl /m);
  });
});
