import { describe, expect, it } from 'vitest';
import { overlayDynamicRange } from '../../src/runtime/swarm/dind-swarm.js';

describe('overlayDynamicRange', () => {
  it.each([
    ['10.77.0.0/29', '10.77.0.4/30'],
    ['10.77.0.8/29', '10.77.0.12/30'],
    ['10.79.0.0/24', '10.79.0.128/25'],
  ])('keeps the lower half of %s (the static ends) out of Swarm’s dynamic range: %s', (subnet, range) => {
    expect(overlayDynamicRange(subnet)).toBe(range);
  });
});
