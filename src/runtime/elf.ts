// Just enough of an x86-64 ELF reader for the image builder's patches
// (bgpd-holds.ts, frr-poll.ts): the loaded segments, to map an address to a
// file offset, and the dynamic symbol table, which a stripped Debian binary or
// library keeps for its exported functions. Pure: bytes in, structure out.

export interface Elf {
  buf: Uint8Array;
  view: DataView;
  loads: { offset: number; vaddr: number; filesz: number }[];
  symbols: Map<string, { vaddr: number; size: number }>;
}

/** Throws, with a reason a build log can show, on anything but a little-endian x86-64 ELF with a .dynsym. */
function parseElf(buf: Uint8Array): Elf {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 64 || view.getUint32(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('not a little-endian 64-bit ELF');
  if (view.getUint16(18, true) !== 62) throw new Error('not an x86-64 binary');
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const loads: Elf['loads'] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (view.getUint32(p, true) !== 1) continue; // PT_LOAD
    loads.push({
      offset: Number(view.getBigUint64(p + 8, true)),
      vaddr: Number(view.getBigUint64(p + 16, true)),
      filesz: Number(view.getBigUint64(p + 32, true)),
    });
  }
  const elf: Elf = { buf, view, loads, symbols: new Map() };
  const shoff = Number(view.getBigUint64(40, true));
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  const section = (i: number) => {
    const s = shoff + i * shentsize;
    return {
      type: view.getUint32(s + 4, true),
      offset: Number(view.getBigUint64(s + 24, true)),
      size: Number(view.getBigUint64(s + 32, true)),
      link: view.getUint32(s + 40, true),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const sym = section(i);
    if (sym.type !== 11) continue; // SHT_DYNSYM: a stripped bgpd keeps its exported symbols
    const str = section(sym.link);
    for (let e = sym.offset; e + 24 <= sym.offset + sym.size; e += 24) {
      const value = Number(view.getBigUint64(e + 8, true));
      if (value === 0 || (buf[e + 4] & 0xf) !== 2) continue; // STT_FUNC, defined
      const nameAt = str.offset + view.getUint32(e, true);
      const end = buf.indexOf(0, nameAt);
      elf.symbols.set(new TextDecoder().decode(buf.subarray(nameAt, end)), { vaddr: value, size: Number(view.getBigUint64(e + 16, true)) });
    }
  }
  if (elf.symbols.size === 0) throw new Error('no dynamic symbol table');
  return elf;
}

/** parseElf for a patch: the ELF, or the reason it is not one the patch can read (the build log shows it). */
export function readElf(buf: Uint8Array): { elf: Elf } | { ok: false; reason: string } {
  try {
    return { elf: parseElf(buf) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export function tryFileOffset(elf: Elf, vaddr: number, len: number): number | undefined {
  const seg = elf.loads.find((l) => vaddr >= l.vaddr && vaddr + len <= l.vaddr + l.filesz);
  return seg ? seg.offset + (vaddr - seg.vaddr) : undefined;
}

export function fileOffset(elf: Elf, vaddr: number, len: number): number {
  const at = tryFileOffset(elf, vaddr, len);
  if (at === undefined) throw new Error(`address 0x${vaddr.toString(16)} is not in a loaded segment`);
  return at;
}
