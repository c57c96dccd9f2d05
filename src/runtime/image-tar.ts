// Edits one file inside the rootfs tar mmdebstrap writes, in place, before
// `docker import`: each patch (rootfs-patches.ts) keeps its file's size, so only its bytes
// change and the 370 MB tar is neither rewritten nor copied.
import { open } from 'node:fs/promises';

const BLOCK = 512;

export interface TarEntry {
  /** Byte offset of the file's data in the tar. */
  dataOffset: number;
  size: number;
}

/** Finds a regular file by its path (with or without a leading "./"); pax and GNU long names included. */
export async function findTarEntry(tarPath: string, path: string): Promise<TarEntry | undefined> {
  const want = path.replace(/^\.?\//, '');
  const fh = await open(tarPath, 'r');
  try {
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    for (;;) {
      const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
      if (bytesRead < BLOCK || header.every((b) => b === 0)) return undefined;
      const type = String.fromCharCode(header[156] || 0x30);
      const size = entrySize(header);
      const dataOffset = pos + BLOCK;
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataOffset);
        longName = type === 'L' ? cString(data, 0, size) : paxPath(data.toString('utf8'));
      } else {
        const name = longName ?? ustarName(header);
        longName = undefined;
        if ((type === '0' || type === '\0') && name.replace(/^\.?\//, '') === want) return { dataOffset, size };
      }
      pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await fh.close();
  }
}

export async function readTarEntry(tarPath: string, entry: TarEntry): Promise<Uint8Array> {
  const fh = await open(tarPath, 'r');
  try {
    const bytes = Buffer.alloc(entry.size);
    await fh.read(bytes, 0, entry.size, entry.dataOffset);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Overwrites the entry's bytes; the tar's headers stay valid only for content of the same length. */
export async function writeTarEntry(tarPath: string, entry: TarEntry, bytes: Uint8Array): Promise<void> {
  if (bytes.length !== entry.size) throw new Error(`an in-place tar edit must keep the size (${entry.size} → ${bytes.length} bytes)`);
  const fh = await open(tarPath, 'r+');
  try {
    await fh.write(bytes, 0, bytes.length, entry.dataOffset);
  } finally {
    await fh.close();
  }
}

function entrySize(h: Buffer): number {
  // GNU base-256 for files ≥ 8 GiB: not in a rootfs, but do not misread it.
  if (h[124] & 0x80) return Number(h.readBigUInt64BE(128));
  return Number.parseInt(cString(h, 124, 12).trim() || '0', 8);
}

function ustarName(h: Buffer): string {
  const name = cString(h, 0, 100);
  const prefix = h.toString('latin1', 257, 263).startsWith('ustar') ? cString(h, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxPath(records: string): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1];
}

function cString(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}
