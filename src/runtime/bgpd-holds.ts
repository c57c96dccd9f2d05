// FRR 8.4's bgpd waits 60 ms between BFD declaring a peer down and telling
// zebra: the peer's clear queue holds 10 ms before it runs, then the best-path
// queue 50 ms (bgpd/bgp_route.c, bgp_clear_node_queue_init and
// bgp_process_queue_init; lib/workqueue.c schedules the first run `hold` ms
// after the first item). Both are compile-time constants: no vtysh command
// sets them. At BFD 20x3 they are half of a client's failover.
//
// Rebuilding FRR from source costs minutes on every fresh machine, so the
// image builder rewrites the two instructions instead. In both functions gcc
// stores max_retries (0) and hold as one 64-bit literal loaded RIP-relative
// into a register (`mov lit(%rip),%rdx; …; mov %rdx,0x40(%rax)`: the spec's
// max_retries is at 0x40, hold at 0x44). The load becomes `mov $0,%edx`
// (same length, flags untouched, the upper half zeroed), so the two fields
// become 0 and 0 and nothing else in the binary changes.
//
// Pure: bytes in, bytes out. The tar edit is in image-tar.ts.

import { type Elf, fileOffset, readElf, tryFileOffset } from './elf.js';

/** One hold this patch removes, found in the exported function that sets it. */
export interface HoldSite {
  /** Exported symbol the store is in (bgp_clear_node_queue_init is static and inlined into bgp_clear_route). */
  symbol: string;
  /** Work queue whose hold this is, as `show work-queues bgpd` names it. */
  queue: string;
  /** FRR's compiled-in hold, ms. */
  holdMs: number;
}

export const BGPD_HOLD_SITES: readonly HoldSite[] = [
  { symbol: 'bgp_clear_route', queue: 'clear <peer>', holdMs: 10 },
  { symbol: 'bgp_process_queue_init', queue: 'process_queue', holdMs: 50 },
];

export interface PatchedSite extends HoldSite {
  /** File offset of the rewritten instruction. */
  offset: number;
}

export type BgpdPatchResult = { ok: true; bytes: Uint8Array; sites: PatchedSite[] } | { ok: false; reason: string };

/** `work_queue_spec` offsets in FRR 8.4 (lib/workqueue.h): max_retries, then hold. */
const SPEC_MAX_RETRIES_OFFSET = 0x40;
/** How far after the load the store into the spec may be (gcc interleaves other stores). */
const STORE_WINDOW = 48;
const INSN_LEN = 7;

/**
 * Rewrites the hold stores in a copy of `bgpd` (an x86-64 ELF). Returns why
 * not, without changing anything, when any site is not found exactly once:
 * another build of FRR, another architecture, or an already patched binary.
 */
export function patchBgpdHolds(bytes: Uint8Array, sites: readonly HoldSite[] = BGPD_HOLD_SITES): BgpdPatchResult {
  const read = readElf(bytes);
  if (!('elf' in read)) return read;
  const { elf } = read;
  const found: { site: HoldSite; offset: number; reg: number }[] = [];
  for (const site of sites) {
    const fn = elf.symbols.get(site.symbol);
    if (!fn) return { ok: false, reason: `no exported symbol ${site.symbol}` };
    let hits: { offset: number; reg: number }[];
    try {
      hits = holdLoads(elf, fn, BigInt(site.holdMs) << 32n);
    } catch (err) {
      return { ok: false, reason: `${site.symbol}: ${(err as Error).message}` };
    }
    if (hits.length !== 1) {
      return { ok: false, reason: `${site.symbol}: expected one load of the ${site.holdMs} ms hold, found ${hits.length}` };
    }
    found.push({ site, ...hits[0] });
  }
  const out = bytes.slice();
  for (const { offset, reg } of found) out.set(movZero(reg), offset);
  return { ok: true, bytes: out, sites: found.map(({ site, offset }) => ({ ...site, offset })) };
}

/** Offsets of `mov lit(%rip),%reg64` in `fn` whose literal is `value` and whose register is then stored at spec.max_retries. */
function holdLoads(elf: Elf, fn: { vaddr: number; size: number }, value: bigint): { offset: number; reg: number }[] {
  const start = fileOffset(elf, fn.vaddr, fn.size);
  const hits: { offset: number; reg: number }[] = [];
  for (let i = start; i + INSN_LEN <= start + fn.size; i++) {
    const rex = elf.buf[i];
    // REX.W (0x48) or REX.W+R (0x4c), opcode 8b, ModRM mod=00 rm=101: RIP-relative.
    if ((rex !== 0x48 && rex !== 0x4c) || elf.buf[i + 1] !== 0x8b || (elf.buf[i + 2] & 0xc7) !== 0x05) continue;
    const reg = ((elf.buf[i + 2] >> 3) & 7) | (rex === 0x4c ? 8 : 0);
    const target = fn.vaddr + (i - start) + INSN_LEN + elf.view.getInt32(i + 3, true);
    const at = tryFileOffset(elf, target, 8);
    if (at === undefined || elf.view.getBigUint64(at, true) !== value) continue;
    if (storesToSpec(elf.buf, i + INSN_LEN, reg)) hits.push({ offset: i, reg });
  }
  return hits;
}

/** `mov %reg64,0x40(%base)` (disp8) within STORE_WINDOW bytes. */
function storesToSpec(buf: Uint8Array, from: number, reg: number): boolean {
  for (let j = from; j + 4 <= Math.min(buf.length, from + STORE_WINDOW); j++) {
    const rex = buf[j];
    if ((rex & 0xf8) !== 0x48 || buf[j + 1] !== 0x89) continue;
    const modrm = buf[j + 2];
    const storedReg = ((modrm >> 3) & 7) | (rex & 0x04 ? 8 : 0);
    // mod=01 (disp8), rm not 100 (no SIB byte).
    if (modrm >> 6 === 1 && (modrm & 7) !== 4 && storedReg === reg && buf[j + 3] === SPEC_MAX_RETRIES_OFFSET) return true;
  }
  return false;
}

/** `mov $0,%r32` padded to the 7 bytes of the load it replaces; a 32-bit write zeroes the upper half. */
function movZero(reg: number): Uint8Array {
  return reg < 8 ? Uint8Array.of(0xb8 + reg, 0, 0, 0, 0, 0x66, 0x90) : Uint8Array.of(0x41, 0xb8 + reg - 8, 0, 0, 0, 0, 0x90);
}
