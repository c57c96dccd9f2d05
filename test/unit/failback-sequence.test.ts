// The failover test's sequence rule (test/unit/support/failback-sequence.ts):
// what it accepts, and that it refuses every other back and forth.
import { describe, expect, it } from 'vitest';
import type { FailbackBounce } from '../../src/experiment/failover-result.js';
import { failbackSequenceFault } from './support/failback-sequence.js';

// fra's real bounce (docs/failover.md): the transit's session up and down 1 ms later.
const v4Bounce: FailbackBounce = { peer: '10.97.0.3', upMs: 1717, downMs: 1718.5, reason: 'No AFI/SAFI activated for peer' };
const v6Bounce: FailbackBounce = { ...v4Bounce, peer: 'fd00:97:0:7103::3' };
const bounced = ['fra', 'iad', 'fra', 'iad', 'fra'];

describe('failbackSequenceFault', () => {
  it('accepts out and back', () => {
    expect(failbackSequenceFault(['fra', 'iad', 'fra'], 'fra', 'iad', [], 'ipv4')).toBeNull();
  });

  it('accepts one extra round trip when a session of the probed family bounced', () => {
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [v4Bounce], 'ipv4')).toBeNull();
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [v6Bounce], 'ipv6')).toBeNull();
  });

  it('refuses the extra round trip without a bounce, with one of the other family, or with one on BFD', () => {
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [], 'ipv4')).toMatch(/no ipv4 session of fra came up and dropped/);
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [v6Bounce], 'ipv4')).toMatch(/no ipv4 session/);
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [v4Bounce], 'ipv6')).toMatch(/no ipv6 session/);
    expect(failbackSequenceFault(bounced, 'fra', 'iad', [{ ...v4Bounce, reason: 'BFD down received' }], 'ipv4')).not.toBeNull();
  });

  it('refuses anything else, bounce or not', () => {
    for (const seq of [
      ['fra', 'iad'],
      ['fra', 'iad', 'fra', 'iad'],
      ['fra', 'iad', 'fra', 'iad', 'fra', 'iad', 'fra'],
      ['fra', 'gru', 'fra'],
      ['fra', 'iad', 'gru', 'fra'],
      ['fra', 'iad', 'fra', 'gru', 'fra'],
      ['fra'],
    ]) {
      expect(failbackSequenceFault(seq, 'fra', 'iad', [v4Bounce], 'ipv4'), seq.join('→')).toMatch(/expected fra→iad→fra/);
    }
  });
});
