import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTarEntry, readTarEntry, writeTarEntry } from '../../src/runtime/image-tar.js';

// Real tars from GNU tar (what mmdebstrap's rootfs tar is): ustar and pax
// headers, a name past ustar's 100 bytes, and files before and after the one edited.
const dir = mkdtempSync(join(tmpdir(), 'image-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeTar(format: 'gnu' | 'pax'): string {
  const root = join(dir, `root-${format}`);
  const deep = join(root, 'usr', 'share', 'x'.repeat(60), 'y'.repeat(60));
  mkdirSync(join(root, 'usr', 'lib', 'frr'), { recursive: true });
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'long-name-file'), 'before');
  writeFileSync(join(root, 'usr', 'lib', 'frr', 'bgpd'), Buffer.from('0123456789abcdef'.repeat(100)));
  writeFileSync(join(root, 'usr', 'lib', 'frr', 'zebra'), 'zebra');
  const tar = join(dir, `rootfs-${format}.tar`);
  execFileSync('tar', ['-C', root, `--format=${format}`, '-cf', tar, '.']);
  return tar;
}

const extract = (tar: string, path: string) => execFileSync('tar', ['-xOf', tar, path]);

describe.each(['gnu', 'pax'] as const)('a %s tar', (format) => {
  const tar = makeTar(format);

  it('finds a file by path, with or without ./', async () => {
    const entry = await findTarEntry(tar, 'usr/lib/frr/bgpd');
    expect(entry?.size).toBe(1600);
    expect(await findTarEntry(tar, './usr/lib/frr/bgpd')).toEqual(entry);
    expect(await findTarEntry(tar, 'usr/lib/frr/ospfd')).toBeUndefined();
    // A directory is not a file.
    expect(await findTarEntry(tar, 'usr/lib/frr')).toBeUndefined();
  });

  it('finds a file whose path does not fit in the ustar header', async () => {
    const long = `usr/share/${'x'.repeat(60)}/${'y'.repeat(60)}/long-name-file`;
    expect((await findTarEntry(tar, long))?.size).toBe(6);
  });

  it('edits the bytes in place, and tar reads the new content and every other file as before', async () => {
    const entry = await findTarEntry(tar, 'usr/lib/frr/bgpd');
    if (!entry) throw new Error('bgpd not found');
    const bytes = Uint8Array.from(await readTarEntry(tar, entry));
    expect(new TextDecoder().decode(bytes.subarray(0, 16))).toBe('0123456789abcdef');
    bytes.set(new TextEncoder().encode('PATCHED'), 100);
    await writeTarEntry(tar, entry, bytes);
    const got = extract(tar, './usr/lib/frr/bgpd').toString();
    expect(got.slice(100, 107)).toBe('PATCHED');
    expect(got.length).toBe(1600);
    expect(extract(tar, './usr/lib/frr/zebra').toString()).toBe('zebra');
  });

  it('refuses a write that would change the size, leaving the tar as it was', async () => {
    const entry = await findTarEntry(tar, 'usr/lib/frr/zebra');
    if (!entry) throw new Error('zebra not found');
    const before = readFileSync(tar);
    await expect(writeTarEntry(tar, entry, new Uint8Array(7))).rejects.toThrow(/must keep the size \(5 → 7 bytes\)/);
    expect(readFileSync(tar).equals(before)).toBe(true);
  });
});
