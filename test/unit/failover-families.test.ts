// Failover per address family: which families a run times, and how each
// family's trials, summary, report and verify verdicts sit side by side.
import { describe, expect, it } from 'vitest';
import { measuredFamilies } from '../../src/experiment/failover.js';

const v4 = { name: 'default', families: ['ipv4' as const] };
const dual = { name: 'dual', families: ['ipv4' as const, 'ipv6' as const] };

describe('measuredFamilies', () => {
  it('times both families on a dual-stack lab unless one is asked for, IPv4 on an [ipv4] lab', () => {
    expect(measuredFamilies(dual)).toEqual(['ipv4', 'ipv6']);
    expect(measuredFamilies(dual, 'both')).toEqual(['ipv4', 'ipv6']);
    expect(measuredFamilies(dual, 'ipv6')).toEqual(['ipv6']);
    expect(measuredFamilies(dual, 'ipv4')).toEqual(['ipv4']);
    expect(measuredFamilies(v4)).toEqual(['ipv4']);
    expect(measuredFamilies(v4, 'ipv4')).toEqual(['ipv4']);
  });

  it('refuses IPv6 on a lab without it, naming the lab and its families', () => {
    expect(() => measuredFamilies(v4, 'ipv6')).toThrow('Expected `--family` to be ipv4 on lab "default" (families: ipv4), got "ipv6"');
    expect(() => measuredFamilies(v4, 'both')).toThrow(/got "both"/);
  });
});
