import { describe, expect, it } from 'vitest';
import { BGPD_HOLD_SITES, patchBgpdHolds } from '../../src/runtime/bgpd-holds.js';
import { FAKE_ELF_CODE, fakeElf } from './support/fake-elf.js';

// A minimal x86-64 ELF shaped like Debian's bgpd where it matters: a .dynsym
// naming the two functions, and in each the code gcc emits for
// `spec.max_retries = 0; spec.hold = N;`: a RIP-relative load of the 64-bit
// literal N << 32 (kept here at the function's end), then a store at spec+0x40.
const CODE = FAKE_ELF_CODE;
const FN_SIZE = 0x40;
const LITERAL_AT = 0x38;

interface FnShape {
  name: string;
  /** The literal's value is hold << 32 (max_retries 0 in the low half). */
  hold: number;
  /** Register number (0-15) the literal is loaded into. */
  reg?: number;
  /** Emit the load twice. */
  twice?: boolean;
  /** Emit the store into the spec (mov %reg,0x40(%rax)). */
  store?: boolean;
}

function fakeBgpd(fns: FnShape[]): Uint8Array {
  return fakeElf(
    fns.map((fn) => {
      const code = new Uint8Array(FN_SIZE).fill(0x90);
      const v = new DataView(code.buffer);
      v.setBigUint64(LITERAL_AT, BigInt(fn.hold) << 32n, true);
      const reg = fn.reg ?? 2;
      const rexR = reg >= 8 ? 0x4c : 0x48;
      const modrm = 0x05 | ((reg & 7) << 3);
      for (const at of fn.twice ? [0x08, 0x18] : [0x10]) {
        code.set([rexR, 0x8b, modrm], at);
        v.setInt32(at + 3, LITERAL_AT - (at + 7), true);
      }
      // A store of something else at 0x40 in between must not count.
      code.set([0x48, 0x89, 0x48, 0x40], 0x28); // mov %rcx,0x40(%rax)
      if (fn.store !== false) code.set([rexR, 0x89, 0x40 | ((reg & 7) << 3), 0x40], 0x2c);
      return { name: fn.name, code };
    }),
  );
}

const debianLike = (): FnShape[] => [
  { name: 'bgp_clear_route', hold: 10 },
  { name: 'bgp_process_queue_init', hold: 50 },
];

const changedBytes = (a: Uint8Array, b: Uint8Array) => a.reduce((n, x, i) => n + (x === b[i] ? 0 : 1), 0);

describe('patchBgpdHolds', () => {
  it('turns both hold loads into mov $0 of the same length and changes nothing else', () => {
    const bin = fakeBgpd(debianLike());
    const r = patchBgpdHolds(bin);
    if (!r.ok) throw new Error(r.reason);
    expect(r.sites.map((s) => [s.symbol, s.holdMs, s.offset])).toEqual([
      ['bgp_clear_route', 10, CODE + 0x10],
      ['bgp_process_queue_init', 50, CODE + FN_SIZE + 0x10],
    ]);
    for (const s of r.sites) expect([...r.bytes.subarray(s.offset, s.offset + 7)]).toEqual([0xba, 0, 0, 0, 0, 0x66, 0x90]); // mov $0,%edx
    expect(changedBytes(bin, r.bytes)).toBeLessThanOrEqual(2 * 7);
    expect(r.bytes.length).toBe(bin.length);
    // The input is left alone: the caller decides whether to write.
    expect(changedBytes(bin, fakeBgpd(debianLike()))).toBe(0);
  });

  it('encodes the zeroing for r8-r15 with REX.B', () => {
    const r = patchBgpdHolds(fakeBgpd([{ name: 'bgp_clear_route', hold: 10, reg: 9 }, debianLike()[1]]));
    if (!r.ok) throw new Error(r.reason);
    expect([...r.bytes.subarray(CODE + 0x10, CODE + 0x17)]).toEqual([0x41, 0xb9, 0, 0, 0, 0, 0x90]); // mov $0,%r9d
  });

  it('refuses an already patched binary (nothing to find)', () => {
    const once = patchBgpdHolds(fakeBgpd(debianLike()));
    if (!once.ok) throw new Error(once.reason);
    expect(patchBgpdHolds(once.bytes)).toEqual({ ok: false, reason: 'bgp_clear_route: expected one load of the 10 ms hold, found 0' });
  });

  it.each<[string, FnShape[], RegExp]>([
    ['another hold value (another FRR)', [{ name: 'bgp_clear_route', hold: 20 }, debianLike()[1]], /bgp_clear_route: .* found 0/],
    [
      'a load that is not stored into the spec',
      [debianLike()[0], { name: 'bgp_process_queue_init', hold: 50, store: false }],
      /bgp_process_queue_init: .* found 0/,
    ],
    ['two candidate loads', [debianLike()[0], { name: 'bgp_process_queue_init', hold: 50, twice: true }], /found 2/],
    ['a missing symbol', [debianLike()[0]], /no exported symbol bgp_process_queue_init/],
  ])('refuses, changing nothing, on %s', (_, fns, why) => {
    const r = patchBgpdHolds(fakeBgpd(fns));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });

  it('refuses what is not an x86-64 ELF', () => {
    expect(patchBgpdHolds(new TextEncoder().encode('#!/bin/sh\nexec true\n'.padEnd(80)))).toEqual({ ok: false, reason: 'not an ELF file' });
    const arm = fakeBgpd(debianLike());
    new DataView(arm.buffer).setUint16(18, 183, true); // EM_AARCH64
    expect(patchBgpdHolds(arm)).toEqual({ ok: false, reason: 'not an x86-64 binary' });
  });

  it('names the two holds FRR 8.4 compiles in (bgpd/bgp_route.c)', () => {
    expect(BGPD_HOLD_SITES.map((s) => `${s.queue} ${s.holdMs}`)).toEqual(['clear <peer> 10', 'process_queue 50']);
  });
});
