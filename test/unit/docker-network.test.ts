// The Engine API bodies of lab networks and endpoints: every network internal,
// a dual-stack one with EnableIPv6 and its /64 as a second IPAM config.
import { describe, expect, it } from 'vitest';
import { ipamConfig, networkCreateOptions } from '../../src/runtime/docker-runtime.js';

const labels = { 'anycast-lab.lab': 'dual' };

describe('networkCreateOptions', () => {
  it('an IPv4 network is what it always was: internal, one IPAM config, no EnableIPv6', () => {
    expect(networkCreateOptions({ name: 'al-default-fra--t-eu', subnet: '10.77.0.0/29', gateway: '10.77.0.1', labels })).toEqual({
      Name: 'al-default-fra--t-eu',
      Driver: 'bridge',
      Internal: true,
      CheckDuplicate: true,
      Labels: labels,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.77.0.0/29', Gateway: '10.77.0.1' }] },
      Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    });
  });

  it('a dual-stack network is still internal, with EnableIPv6 and its /64 beside the IPv4 subnet', () => {
    const o = networkCreateOptions({
      name: 'al-dual-fra--t-eu',
      subnet: '10.87.0.0/29',
      gateway: '10.87.0.1',
      ipv6: { subnet: 'fd00:87:0:1::/64', gateway: 'fd00:87:0:1::1' },
      labels,
    });
    expect(o).toMatchObject({ Internal: true, EnableIPv6: true });
    expect(o.IPAM?.Config).toEqual([
      { Subnet: '10.87.0.0/29', Gateway: '10.87.0.1' },
      { Subnet: 'fd00:87:0:1::/64', Gateway: 'fd00:87:0:1::1' },
    ]);
  });
});

describe('ipamConfig', () => {
  it('asks for the IPv6 address only where the attachment has one', () => {
    expect(ipamConfig({ network: 'n', ipv4: '10.77.0.2' })).toEqual({ IPv4Address: '10.77.0.2' });
    expect(ipamConfig({ network: 'n', ipv4: '10.87.0.2', ipv6: 'fd00:87:0:1::2' })).toEqual({ IPv4Address: '10.87.0.2', IPv6Address: 'fd00:87:0:1::2' });
  });
});
