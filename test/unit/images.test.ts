import { describe, expect, it } from 'vitest';
import {
  BGPD_HOLDS_LABEL,
  IMAGE_SPECS,
  type ImageHashInput,
  imageHash,
  importChanges,
  mmdebstrapArgs,
  parseBuilder,
  pickSourcesFiles,
  RECIPE_VERSION,
} from '../../src/runtime/image-specs.js';

const base: ImageHashInput = {
  kind: 'router',
  packages: IMAGE_SPECS.router.packages,
  recipeVersion: RECIPE_VERSION,
  builder: 'mmdebstrap',
  suite: 'bookworm',
  nodeVersion: 'v20.20.2',
  nodeSize: 98932688,
  patches: IMAGE_SPECS.router.patches,
};

describe('imageHash', () => {
  it('keeps the hash of an image without patches (an empty list is no list)', () => {
    const client = { ...base, kind: 'client' as const, packages: IMAGE_SPECS.client.packages };
    expect(imageHash({ ...client, patches: [] })).toBe(imageHash({ ...client, patches: undefined }));
  });

  it('is 12 hex chars and stable for the same inputs', () => {
    const h = imageHash(base);
    expect(h).toMatch(/^[0-9a-f]{12}$/);
    expect(imageHash({ ...base, packages: [...base.packages] })).toBe(h);
  });

  it('ignores package order and duplicates', () => {
    expect(imageHash({ ...base, packages: [...base.packages].reverse().concat('frr') })).toBe(imageHash(base));
  });

  it.each<[string, Partial<ImageHashInput>]>([
    ['a package is added', { packages: [...base.packages, 'mtr-tiny'] }],
    ['a package is removed', { packages: base.packages.filter((p) => p !== 'nsd') }],
    ['the recipe version changes', { recipeVersion: RECIPE_VERSION + 1 }],
    ['node changes version', { nodeVersion: 'v20.20.3' }],
    ['node changes size', { nodeSize: base.nodeSize + 1 }],
    ['the builder changes', { builder: 'dockerfile' }],
    ['the image kind changes', { kind: 'client' }],
    ['the patches change', { patches: [] }],
  ])('changes when %s', (_, change) => {
    expect(imageHash({ ...base, ...change })).not.toBe(imageHash(base));
  });
});

describe('mmdebstrapArgs', () => {
  const args = mmdebstrapArgs({
    spec: IMAGE_SPECS.client,
    nodePath: '/usr/bin/node',
    tarPath: '/tmp/x/rootfs.tar',
    sourcesFiles: ['/etc/apt/sources.list.d/debian.sources'],
  });

  it('installs the spec packages on the apt variant', () => {
    expect(args).toContain('--variant=apt');
    expect(args).toContain(`--include=${IMAGE_SPECS.client.packages.join(',')}`);
  });

  it('copies node in and checks that it runs', () => {
    expect(args).toContain('--customize-hook=upload /usr/bin/node /usr/local/bin/node');
    expect(args.some((a) => a.includes('/usr/local/bin/node --version'))).toBe(true);
  });

  it('ends with suite, target and the host sources', () => {
    expect(args.slice(-4)).toEqual(['--', 'bookworm', '/tmp/x/rootfs.tar', '/etc/apt/sources.list.d/debian.sources']);
  });
});

describe('pickSourcesFiles', () => {
  it.each<[string, string, string, boolean]>([
    ['deb822 bookworm', '/etc/apt/sources.list.d/debian.sources', 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n', true],
    ['one-line bookworm', '/etc/apt/sources.list', 'deb http://mirror.invalid/debian bookworm main\n', true],
    ['nodesource', '/etc/apt/sources.list.d/nodesource.sources', 'Types: deb\nSuites: nodistro\n', false],
    ['ubuntu', '/etc/apt/sources.list.d/ubuntu.sources', 'Types: deb\nSuites: noble noble-updates\n', false],
    ['disabled file', '/etc/apt/sources.list.d/x.sources.disabled', 'Suites: bookworm\n', false],
    ['Enabled: no', '/etc/apt/sources.list.d/y.sources', 'Enabled: no\nSuites: bookworm\n', false],
    ['only a comment', '/etc/apt/sources.list', '# deb http://mirror.invalid/debian bookworm main\n', false],
  ])('%s', (_, path, content, picked) => {
    expect(pickSourcesFiles([{ path, content }])).toEqual(picked ? [path] : []);
  });
});

describe('importChanges', () => {
  it('labels the image as anycast-lab.kind=image', () => {
    expect(importChanges('router', 'abc')).toContain('LABEL anycast-lab.kind=image anycast-lab.image=router anycast-lab.image-hash=abc');
  });

  it('adds the labels a build step records (the bgpd patch)', () => {
    expect(importChanges('router', 'abc', { [BGPD_HOLDS_LABEL]: '0' })).toContain(
      'LABEL anycast-lab.kind=image anycast-lab.image=router anycast-lab.image-hash=abc anycast-lab.bgpd-holds=0',
    );
  });
});

describe('parseBuilder', () => {
  it('defaults to mmdebstrap and rejects unknown builders', () => {
    expect(parseBuilder(undefined)).toBe('mmdebstrap');
    expect(parseBuilder('dockerfile')).toBe('dockerfile');
    expect(() => parseBuilder('kaniko')).toThrow(/one of mmdebstrap, dockerfile/);
  });
});
