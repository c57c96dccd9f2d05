// Image ensure through the runtime: a present image is only re-tagged, a
// missing one is built through the interface by the configured builder, a
// failure names the image, and a build another process holds is waited for.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabError } from '../../src/errors.js';
import { acquireBuildLock } from '../../src/runtime/build-lock.js';
import { ensureImages } from '../../src/runtime/ensure-images.js';
import { ImageBuildError } from '../../src/runtime/image-build-error.js';
import { builderFromEnv, helperImage, imageRefs } from '../../src/runtime/image-store.js';
import { FakeRuntime } from './support/fake-runtime.js';

// Never mmdebstrap: it would really run on this host.
const opts = () => ({ builder: 'dockerfile' as const, lockDir: mkdtempSync(join(tmpdir(), 'img-lock-')) });

describe('ensureImages with a fake runtime', () => {
  it('builds nothing when both images exist, and points :current at them', async () => {
    const rt = new FakeRuntime();
    const refs = await imageRefs({ builder: 'dockerfile' });
    rt.addImage(refs.router);
    rt.addImage(refs.client);
    const r = await ensureImages(rt, opts());
    expect(r).toEqual({ router: refs.router, client: refs.client, built: [] });
    expect(rt.calls.filter((c) => /^(buildImage|importImage)/.test(c))).toEqual([]);
    expect(rt.images.get('anycast-lab/router:current')).toBe(rt.images.get(refs.router));
    expect(rt.images.get('anycast-lab/client:current')).toBe(rt.images.get(refs.client));
  });

  it('builds a missing image through the runtime, labelled, and only that one', async () => {
    const rt = new FakeRuntime();
    const refs = await imageRefs({ builder: 'dockerfile' });
    rt.addImage(refs.client);
    const r = await ensureImages(rt, opts());
    expect(r.built).toEqual(['router']);
    expect(rt.calls.filter((c) => c.startsWith('buildImage'))).toEqual([`buildImage ${refs.router}`]);
    expect(rt.images.get(refs.router)?.labels).toMatchObject({ 'anycast-lab.kind': 'image', 'anycast-lab.image': 'router' });
    expect(rt.images.get('anycast-lab/router:current')).toBe(rt.images.get(refs.router));
  });

  it('reports a failed build as a LabError naming the image, not as a stack trace', async () => {
    const rt = new FakeRuntime().failOn('buildImage', /router/, new Error('pull access denied for debian'));
    const refs = await imageRefs({ builder: 'dockerfile' });
    rt.addImage(refs.client);
    const err = await ensureImages(rt, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err).toBeInstanceOf(ImageBuildError);
    expect((err as LabError).code).toBe('IMAGE_BUILD');
    expect((err as ImageBuildError).reason).toBe('DOCKERFILE_BUILD_FAILED');
    expect((err as Error).message).toMatch(/^image "router": docker build of router\.Dockerfile failed .*pull access denied/);
  });

  it('rejects an unknown builder as bad input', () => {
    expect(() => builderFromEnv({ ANYCAST_LAB_IMAGE_BUILDER: 'kaniko' })).toThrow(expect.objectContaining({ code: 'USAGE', reason: 'BAD_OPTION' }));
  });

  it('finds a router image for host helpers, preferring :current', async () => {
    const rt = new FakeRuntime();
    expect(await helperImage(rt)).toBeUndefined();
    rt.addImage('anycast-lab/router:0123456789ab');
    expect(await helperImage(rt)).toBe('anycast-lab/router:0123456789ab');
    await rt.tagImage('anycast-lab/router:0123456789ab', 'anycast-lab/router', 'current');
    expect(await helperImage(rt)).toBe('anycast-lab/router:current');
  });
});

describe('build lock', () => {
  it('waits for a live holder and reports the image built by it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'img-lock-'));
    // A live process other than this one holds it: our parent.
    writeFileSync(join(dir, 'anycast-lab-image-router-abc.lock'), `${process.ppid} build\n`);
    const waits: number[] = [];
    let polls = 0;
    const release = await acquireBuildLock({ kind: 'router', hash: 'abc', dir, pollMs: 1, built: async () => ++polls >= 2, onWait: (pid) => waits.push(pid) });
    expect(release).toBeNull();
    expect(waits).toEqual([process.ppid]);
  });

  it('takes over a lock whose holder is gone, and gives up on a live one after its deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'img-lock-'));
    writeFileSync(join(dir, 'anycast-lab-image-client-abc.lock'), '2147483646 build\n');
    const release = await acquireBuildLock({ kind: 'client', hash: 'abc', dir, built: async () => false, onWait: () => undefined });
    expect(release).toBeTypeOf('function');
    release?.();
    writeFileSync(join(dir, 'anycast-lab-image-client-abc.lock'), `${process.ppid} build\n`);
    const err = await acquireBuildLock({
      kind: 'client',
      hash: 'abc',
      dir,
      pollMs: 1,
      deadlineMs: 20,
      built: async () => false,
      onWait: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_BUILD', reason: 'LOCK_TIMEOUT' });
  });
});
