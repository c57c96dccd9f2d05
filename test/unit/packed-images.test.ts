// Images loaded from a `lab pack` archive hold the packing host's node binary:
// imageRefs must name them by that binary's hash inputs (so a laptop with
// another Node 20+ uses them), and only while the recipe is the one packed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_SPECS, imageHash, RECIPE_VERSION, SUITE } from '../../src/runtime/image-specs.js';
import { imageRefs, type PackedImages } from '../../src/runtime/image-store.js';

const packerNode = { version: 'v22.1.0', size: 123_456_789 };
const hashWith = (kind: 'router' | 'client', packages: readonly string[]) =>
  imageHash({
    kind,
    packages,
    recipeVersion: RECIPE_VERSION,
    builder: 'mmdebstrap',
    suite: SUITE,
    nodeVersion: packerNode.version,
    nodeSize: packerNode.size,
    patches: IMAGE_SPECS[kind].patches,
  });

function packedFile(p: Partial<PackedImages> = {}, routerPackages = IMAGE_SPECS.router.packages): string {
  const router = hashWith('router', routerPackages);
  const client = hashWith('client', IMAGE_SPECS.client.packages);
  const manifest: PackedImages = {
    builder: 'mmdebstrap',
    node: packerNode,
    images: { router: { ref: `anycast-lab/router:${router}`, hash: router }, client: { ref: `anycast-lab/client:${client}`, hash: client } },
    ...p,
  };
  const f = join(mkdtempSync(join(tmpdir(), 'packed-')), 'packed-images.json');
  writeFileSync(f, JSON.stringify(manifest));
  return f;
}

describe('imageRefs with images from a pack', () => {
  it("names the packed images by the packing host's node, and reports that node", async () => {
    const r = await imageRefs({ builder: 'mmdebstrap', packedFile: packedFile() });
    expect(r.router).toBe(`anycast-lab/router:${hashWith('router', IMAGE_SPECS.router.packages)}`);
    expect(r.client).toBe(`anycast-lab/client:${hashWith('client', IMAGE_SPECS.client.packages)}`);
    expect(r.node).toEqual(packerNode);
  });

  it("falls back to this host's node when the recipe changed since the pack", async () => {
    const host = await imageRefs({ builder: 'mmdebstrap', packedFile: '/nonexistent/packed-images.json' });
    const r = await imageRefs({ builder: 'mmdebstrap', packedFile: packedFile({}, [...IMAGE_SPECS.router.packages, 'an-extra-package']) });
    expect(r).toEqual(host);
    expect(r.node.version).toBe(process.version);
  });

  it('ignores a pack made with another builder, and a file that is not JSON', async () => {
    const host = await imageRefs({ builder: 'dockerfile', packedFile: '/nonexistent/packed-images.json' });
    expect(await imageRefs({ builder: 'dockerfile', packedFile: packedFile() })).toEqual(host);
    const junk = join(mkdtempSync(join(tmpdir(), 'packed-')), 'packed-images.json');
    writeFileSync(junk, 'not json');
    expect(await imageRefs({ builder: 'dockerfile', packedFile: junk })).toEqual(host);
  });
});
