import { describe, expect, it } from 'vitest';
import { FRR_POLL_SYMBOL, patchFrrPoll } from '../../src/runtime/frr-poll.js';
import { FAKE_ELF_CODE, fakeElf } from './support/fake-elf.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );

// thread_fetch as Debian's libfrr.so.0.0.0 (FRR 8.4.4) compiles fd_poll's
// `timeout = tv_sec * 1000 + tv_usec / 1000` (objdump at 0xdfb92):
//   49 8b 4e 08                    mov    0x8(%r14),%rcx         tv_usec
//   45 69 26 e8 03 00 00           imul   $0x3e8,(%r14),%r12d    tv_sec * 1000
//   48 b8 cf f7 53 e3 a5 9b c4 20  movabs $0x20c49ba5e353f7cf,%rax
//   48 f7 e9                       imul   %rcx
//   48 c1 f9 3f                    sar    $0x3f,%rcx             the sign: 0 for a wait
//   48 c1 fa 07                    sar    $0x7,%rdx
//   48 29 ca                       sub    %rcx,%rdx
//   41 01 d4                       add    %edx,%r12d
const TIMEOUT = hex('498b4e08 456926e8030000 48b8cff753e3a59bc420 48f7e9 48c1f93f 48c1fa07 4829ca 4101d4');
// …and, after clock_gettime, tv_nsec / 1000 into microseconds: the same division, kept in 64 bits.
const NSEC_TO_USEC = hex(`
  48 b8 cf f7 53 e3 a5 9b c4 20
  48 f7 e9 48 c1 f9 3f 48 c1 fa 07 48 29 ca
  49 89 d4`);
const SIGN_AT = FAKE_ELF_CODE + 4 + 7 + 10 + 3;

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const changed = (a: Uint8Array, b: Uint8Array) => [...a.keys()].filter((i) => a[i] !== b[i]);

describe('patchFrrPoll', () => {
  it('turns the sign correction into neg/sbb, 4 bytes in place, and changes nothing else', () => {
    const lib = fakeElf([{ name: FRR_POLL_SYMBOL, code: concat(TIMEOUT, NSEC_TO_USEC) }]);
    const r = patchFrrPoll(lib);
    if (!r.ok) throw new Error(r.reason);
    expect(r.offset).toBe(SIGN_AT);
    expect([...r.bytes.subarray(SIGN_AT, SIGN_AT + 4)]).toEqual([0xf7, 0xd9, 0x19, 0xc9]); // neg %ecx; sbb %ecx,%ecx
    expect(changed(lib, r.bytes)).toEqual([SIGN_AT, SIGN_AT + 1, SIGN_AT + 2, SIGN_AT + 3]);
    expect(r.bytes.length).toBe(lib.length);
  });

  it('computes what the patched instructions compute: whole ms stay, a fraction rounds up, zero stays zero', () => {
    // The x86 semantics of the patched sequence, in 64/32-bit integer arithmetic.
    const patched = (sec: number, usec: number) => {
      const floor = BigInt(Math.floor(usec / 1000)); // imul + sar $7: the quotient in %rdx
      const ecx = usec !== 0 ? 0xffffffffn : 0n; // neg sets CF when %ecx ≠ 0; sbb writes -CF, zero-extended
      const rdx = (floor - ecx) & 0xffffffffffffffffn;
      return (sec * 1000 + Number(rdx & 0xffffffffn)) | 0; // add %edx,%r12d
    };
    expect(patched(0, 0)).toBe(0);
    expect(patched(0, 300)).toBe(1);
    expect(patched(0, 999)).toBe(1);
    expect(patched(0, 9300)).toBe(10);
    expect(patched(2, 0)).toBe(2000);
    expect(patched(0, 3000)).toBe(4); // an exact ms also gains one: 1 ms late, never early
  });

  it('refuses an already patched library (nothing to find)', () => {
    const once = patchFrrPoll(fakeElf([{ name: FRR_POLL_SYMBOL, code: TIMEOUT }]));
    if (!once.ok) throw new Error(once.reason);
    expect(patchFrrPoll(once.bytes)).toEqual({ ok: false, reason: 'thread_fetch: expected one millisecond poll timeout rounded down, found 0' });
  });

  it.each<[string, Uint8Array[], RegExp]>([
    ['only the microsecond conversion', [NSEC_TO_USEC], /found 0/],
    ['a 64-bit add of the quotient', [TIMEOUT.slice(0, -3), hex('49 01 d4')], /found 0/],
    ['no division by 1000 before it', [TIMEOUT.slice(11 + 10)], /found 0/],
    ['the timeout computed twice', [TIMEOUT, TIMEOUT], /found 2/],
  ])('refuses, changing nothing, on %s', (_, code, why) => {
    const r = patchFrrPoll(fakeElf([{ name: FRR_POLL_SYMBOL, code: concat(...code) }]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });

  it('refuses a library without thread_fetch (FRR 9 renamed it event_fetch) and what is not an x86-64 ELF', () => {
    expect(patchFrrPoll(fakeElf([{ name: 'event_fetch', code: TIMEOUT }]))).toEqual({ ok: false, reason: 'no exported symbol thread_fetch' });
    expect(patchFrrPoll(new TextEncoder().encode('not a library'.padEnd(80)))).toEqual({ ok: false, reason: 'not an ELF file' });
  });
});
