// FRR 8.4's event loop turns the wait until its next timer into a poll
// timeout in whole milliseconds, rounding down (lib/thread.c, fd_poll, inlined
// into thread_fetch: `timeout = tv_sec * 1000 + tv_usec / 1000`). With less
// than 1 ms left the timeout is 0: ppoll returns at once, the timer is not due
// yet, and the loop polls again, spinning through the last fraction of a
// millisecond before every timer. bfdd runs one timer per BFD packet it sends,
// so it spins on every packet. FRR fixed this upstream in 2025
// (FRRouting/frr#19715, ppoll given the whole timespec); bookworm's 8.4.4 is
// older.
//
// Measured on the default lab, idle, BFD 100 ms × 3 (2026-12-07): 64 % of
// t-eu's ppoll calls had a zero timeout (1,257 of 1,969 in 3 s of strace), its
// 11 bfdd used 271 ms of CPU a second between them, and the machine was 17 %
// busy. With this patch: 6 zero polls in 3 s, 103 ms a second, 6 % busy.
//
// The image builder rounds the wait up instead. gcc divides tv_usec by 1000
// with a multiply and shifts, then subtracts tv_usec's sign
// (`sar $63,%rcx; …; sub %rcx,%rdx`), which is 0 for a wait. That
// `sar $63,%rcx` becomes `neg %ecx; sbb %ecx,%ecx` (the same 4 bytes): %ecx is
// -1 when tv_usec is not 0 and 0 when it is, so the subtraction adds 1 ms to
// any wait with a fraction of a millisecond, and a zero wait (events ready)
// stays zero. The quotient is only used as 32 bits (`add %edx,%r12d` into the
// int timeout), where subtracting the zero-extended 0xffffffff is adding 1.
// A timer then fires up to 1 ms late, where FRR spun to fire it on time.
//
// Pure: bytes in, bytes out. The tar edit is in image-tar.ts.

import { fileOffset, readElf } from './elf.js';

/** Exported function the timeout is computed in (fd_poll is static and inlined into it). */
export const FRR_POLL_SYMBOL = 'thread_fetch';

/** `movabs $0x20c49ba5e353f7cf,%rax`: the reciprocal gcc multiplies by to divide by 1000. */
const DIV1000_MAGIC = Uint8Array.of(0x48, 0xb8, 0xcf, 0xf7, 0x53, 0xe3, 0xa5, 0x9b, 0xc4, 0x20);
/** How far before the multiply the magic may be loaded (gcc interleaves other loads). */
const MAGIC_WINDOW = 32;
/** `imul %rcx; sar $63,%rcx; sar $7,%rdx; sub %rcx,%rdx`: tv_usec / 1000, rounded toward zero. */
const DIVIDE = Uint8Array.of(0x48, 0xf7, 0xe9, 0x48, 0xc1, 0xf9, 0x3f, 0x48, 0xc1, 0xfa, 0x07, 0x48, 0x29, 0xca);
/** Where `sar $63,%rcx` starts in DIVIDE. */
const SIGN_AT = 3;
/** `neg %ecx; sbb %ecx,%ecx`. */
const CEIL_CARRY = Uint8Array.of(0xf7, 0xd9, 0x19, 0xc9);

export type FrrPollPatchResult = { ok: true; bytes: Uint8Array; offset: number } | { ok: false; reason: string };

/**
 * Rounds thread_fetch's poll timeout up in a copy of libfrr (an x86-64 ELF).
 * Returns why not, changing nothing, unless the division is found exactly
 * once: another build of FRR, another architecture, or an already patched
 * library. The same division of tv_nsec into microseconds (after
 * clock_gettime) is not followed by a 32-bit add, and is left alone.
 */
export function patchFrrPoll(bytes: Uint8Array): FrrPollPatchResult {
  const read = readElf(bytes);
  if (!('elf' in read)) return read;
  const { elf } = read;
  const fn = elf.symbols.get(FRR_POLL_SYMBOL);
  if (!fn) return { ok: false, reason: `no exported symbol ${FRR_POLL_SYMBOL}` };
  let start: number;
  try {
    start = fileOffset(elf, fn.vaddr, fn.size);
  } catch (err) {
    return { ok: false, reason: `${FRR_POLL_SYMBOL}: ${(err as Error).message}` };
  }
  const hits = timeoutDivisions(elf.buf, start, start + fn.size);
  if (hits.length !== 1) {
    return { ok: false, reason: `${FRR_POLL_SYMBOL}: expected one millisecond poll timeout rounded down, found ${hits.length}` };
  }
  const out = bytes.slice();
  out.set(CEIL_CARRY, hits[0] + SIGN_AT);
  return { ok: true, bytes: out, offset: hits[0] + SIGN_AT };
}

/** Offsets of DIVIDE, by 1000, whose quotient is added as 32 bits into a register: the int timeout. */
function timeoutDivisions(buf: Uint8Array, from: number, to: number): number[] {
  const hits: number[] = [];
  for (let i = from; i + DIVIDE.length + 3 <= to; i++) {
    if (!startsWith(buf, i, DIVIDE)) continue;
    if (!addsEdx32(buf, i + DIVIDE.length)) continue;
    if (!magicBefore(buf, Math.max(from, i - MAGIC_WINDOW), i)) continue;
    hits.push(i);
  }
  return hits;
}

/** `add %edx,%r32`: opcode 01, ModRM mod=11 reg=edx, with no REX or a REX without W (so 32-bit). */
function addsEdx32(buf: Uint8Array, at: number): boolean {
  const rex = buf[at] >= 0x40 && buf[at] <= 0x4f ? buf[at] : undefined;
  if (rex !== undefined && (rex & 0x08 || rex & 0x04)) return false; // REX.W: 64-bit; REX.R: not edx
  const op = rex === undefined ? at : at + 1;
  return buf[op] === 0x01 && buf[op + 1] >> 6 === 3 && ((buf[op + 1] >> 3) & 7) === 2;
}

function magicBefore(buf: Uint8Array, from: number, to: number): boolean {
  for (let j = from; j + DIV1000_MAGIC.length <= to; j++) if (startsWith(buf, j, DIV1000_MAGIC)) return true;
  return false;
}

function startsWith(buf: Uint8Array, at: number, pattern: Uint8Array): boolean {
  for (let k = 0; k < pattern.length; k++) if (buf[at + k] !== pattern[k]) return false;
  return true;
}
