import { describe, expect, it } from 'vitest';
import { gatewayOf } from '../../src/runtime/swarm/dind-swarm.js';
import { dockerMacOf, linkLocalOf, overlayDynamicRange } from '../../src/runtime/swarm/overlay.js';

describe('overlayDynamicRange', () => {
  it.each([
    ['10.77.0.0/29', '10.77.0.4/30'],
    ['10.77.0.8/29', '10.77.0.12/30'],
    ['10.79.0.0/24', '10.79.0.128/25'],
  ])('keeps the lower half of %s (the static ends) out of Swarm’s dynamic range: %s', (subnet, range) => {
    expect(overlayDynamicRange(subnet)).toBe(range);
  });
});

describe('gatewayOf', () => {
  it.each([
    [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.9' }, '172.17.0.9'],
    [{ Subnet: '172.17.0.0/16' }, '172.17.0.1'],
    [{ Subnet: '10.1.2.0/24' }, '10.1.2.1'],
    [{ Subnet: 'fd00::/64' }, undefined],
    [{}, undefined],
    [undefined, undefined],
  ])('the bridge gateway of IPAM %j: %s', (config, gw) => {
    expect(gatewayOf(config)).toBe(gw);
  });
});

describe('dockerMacOf', () => {
  it("is 02:42 and the IPv4 address in hex, as Docker derives an endpoint's MAC", () => {
    expect(dockerMacOf('10.57.0.42')).toBe('02:42:0a:39:00:2a');
  });
  it('gives the EUI-64 link-local address the kernel made (seen on gru: fe80::42:aff:fe39:23 for 10.57.0.35)', () => {
    expect(linkLocalOf(dockerMacOf('10.57.0.35'))).toBe('fe80::42:aff:fe39:23');
  });
});
