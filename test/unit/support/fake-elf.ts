// A minimal x86-64 ELF for the image builder's binary patches (src/runtime/elf.ts):
// one PT_LOAD over the whole file (vaddr = file offset) and a .dynsym naming
// each function, whose bytes are given.

export const FAKE_ELF_CODE = 0x100;

export function fakeElf(fns: { name: string; code: Uint8Array }[]): Uint8Array {
  const fnSize = Math.max(0x40, ...fns.map((f) => f.code.length));
  const dynstr = FAKE_ELF_CODE + fns.length * fnSize;
  const strBytes = fns.reduce((n, f) => n + f.name.length + 1, 1);
  const dynsym = dynstr + Math.ceil(strBytes / 8) * 8;
  const shdrs = dynsym + (fns.length + 1) * 24;
  const size = shdrs + 3 * 64;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setUint16(16, 3, true); // ET_DYN
  v.setUint16(18, 62, true); // x86-64
  v.setBigUint64(32, 64n, true); // phoff
  v.setBigUint64(40, BigInt(shdrs), true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, 3, true);
  v.setUint32(64, 1, true); // PT_LOAD over the whole file
  v.setBigUint64(64 + 32, BigInt(size), true);
  let str = 1;
  fns.forEach((fn, i) => {
    const start = FAKE_ELF_CODE + i * fnSize;
    b.fill(0x90, start, start + fnSize);
    b.set(fn.code, start);
    const nameAt = dynstr + str;
    b.set(new TextEncoder().encode(fn.name), nameAt);
    str += fn.name.length + 1;
    const sym = dynsym + (i + 1) * 24;
    v.setUint32(sym, nameAt - dynstr, true);
    b[sym + 4] = 0x12; // STB_GLOBAL, STT_FUNC
    v.setBigUint64(sym + 8, BigInt(start), true);
    v.setBigUint64(sym + 16, BigInt(fnSize), true);
  });
  const shdr = (i: number, type: number, offset: number, len: number, link: number) => {
    const s = shdrs + i * 64;
    v.setUint32(s + 4, type, true);
    v.setBigUint64(s + 24, BigInt(offset), true);
    v.setBigUint64(s + 32, BigInt(len), true);
    v.setUint32(s + 40, link, true);
  };
  shdr(1, 11, dynsym, (fns.length + 1) * 24, 2);
  shdr(2, 3, dynstr, str, 0);
  return b;
}
