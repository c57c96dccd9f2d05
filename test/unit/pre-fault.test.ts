import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/contract/sample.js';
import { OffBaselineError, preFaultDrift } from '../../src/experiment/pre-fault.js';

/** One UDP probe every 5 ms from `fromMs` to `toMs`, answered by `pop(sentMs)` (null: timed out). */
function probes(client: string, fromMs: number, toMs: number, pop: (t: number) => string | null, family?: 'ipv6'): Sample[] {
  const out: Sample[] = [];
  for (let t = fromMs, seq = 0; t < toMs; t += 5, seq++) {
    const p = pop(t);
    out.push({
      client,
      kind: 'udp-dns',
      seq,
      sentMs: t,
      ...(p ? { recvMs: t + 0.4, pop: p, outcome: 'ok' as const } : { outcome: 'timeout' as const }),
      ...(family ? { family } : {}),
    });
  }
  return out;
}

const BASELINE = { ipv4: { 'c-de': 'fra', 'c-us': 'iad' }, ipv6: {} };
const PAIRS = [
  ['c-de', 'ipv4'],
  ['c-us', 'ipv4'],
] as const;
// The probes start at 10 000 ms (the window opens there); the fault would come at 12 000.
const W = { fromMs: 10_000, toMs: 12_000 };

describe('preFaultDrift', () => {
  it('finds nothing when every client was answered by its baseline PoP throughout the window', () => {
    const s: Record<string, Sample[]> = { 'c-de': probes('c-de', 10_000, 12_000, () => 'fra'), 'c-us': probes('c-us', 10_000, 12_000, () => 'iad') };
    expect(preFaultDrift((c) => s[c] ?? [], PAIRS, BASELINE, W)).toEqual([]);
  });

  it('catches a trial that would start with c-de already on iad, as run 5’s first trial in bench/results/frr-hold-2026-12-06T10-29-59Z.json did after a passing baseline check', () => {
    // fra answered the baseline check; 600 ms into the window the session with t-eu drops and iad takes over.
    const s: Record<string, Sample[]> = {
      'c-de': probes('c-de', 10_000, 12_000, (t) => (t < 10_600 ? 'fra' : t < 10_700 ? null : 'iad')),
      'c-us': probes('c-us', 10_000, 12_000, () => 'iad'),
    };
    expect(preFaultDrift((c) => s[c] ?? [], PAIRS, BASELINE, W)).toEqual(['c-de: answered by iad 1.3 s before the fault (baseline fra)']);
  });

  it('catches a flap that came back before the fault, and a client with no answer at all', () => {
    const s: Record<string, Sample[]> = {
      'c-de': probes('c-de', 10_000, 12_000, (t) => (t >= 11_000 && t < 11_200 ? 'iad' : 'fra')),
      'c-us': probes('c-us', 10_000, 12_000, () => null),
    };
    expect(preFaultDrift((c) => s[c] ?? [], PAIRS, BASELINE, W)).toEqual([
      'c-de: answered by iad 1.0 s before the fault (baseline fra)',
      'c-us: no answer in the 2000 ms before the fault',
    ]);
  });

  it('looks only inside the window: not at the previous trial, not past the fault', () => {
    const s: Record<string, Sample[]> = {
      'c-de': probes('c-de', 9_000, 13_000, (t) => (t < 10_000 || t >= 12_000 ? 'iad' : 'fra')),
      'c-us': probes('c-us', 10_000, 12_000, () => 'iad'),
    };
    expect(preFaultDrift((c) => s[c] ?? [], PAIRS, BASELINE, W)).toEqual([]);
  });

  it('judges each family by its own samples and baseline, and names the family on a dual-stack lab', () => {
    const s: Record<string, Sample[]> = {
      'c-de': [...probes('c-de', 10_000, 12_000, () => 'fra'), ...probes('c-de', 10_000, 12_000, () => 'ams', 'ipv6')],
    };
    const pairs = [
      ['c-de', 'ipv4'],
      ['c-de', 'ipv6'],
    ] as const;
    expect(preFaultDrift((c) => s[c] ?? [], pairs, { ipv4: { 'c-de': 'fra' }, ipv6: { 'c-de': 'ams' } }, W)).toEqual([]);
    expect(preFaultDrift((c) => s[c] ?? [], pairs, { ipv4: { 'c-de': 'fra' }, ipv6: { 'c-de': 'fra' } }, W)).toEqual([
      'c-de (ipv6): answered by ams 2.0 s before the fault (baseline fra)',
    ]);
  });

  it('is an EXPERIMENT error that lists what the probes saw', () => {
    const e = new OffBaselineError(['c-de: answered by iad 1.3 s before the fault (baseline fra)']);
    expect(e.code).toBe('EXPERIMENT');
    expect(e.message).toBe('not at baseline before the fault:\n  c-de: answered by iad 1.3 s before the fault (baseline fra)');
  });
});
