import { describe, expect, it } from 'vitest';
import { checkPopConfig } from '../../src/agent/pop/config.js';
import type { Lab } from '../../src/topology/model.js';
import { pop, popAgentConfig } from '../../src/topology/roles/pop.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const v4 = defaultIpv4Lab();
const dual: Lab = {
  ...v4,
  families: ['ipv4', 'ipv6'],
  anycast: {
    ...v4.anycast,
    ipv6: {
      prefix: '2001:db8::/48',
      dnsAddress: '2001:db8::53',
      httpAddress: '2001:db8::80',
      records: { 'anycast.lab.': '2001:db8::80', 'ns.lab.': '2001:db8::53' },
    },
  },
};
const fra = dual.routers.find((r) => r.name === 'fra')!;

describe('popAgentConfig', () => {
  it('has no ipv6 part in an IPv4-only lab', () => {
    expect(popAgentConfig(v4, fra)).not.toHaveProperty('ipv6');
  });

  it('carries the /48, its addresses and the AAAA records, and passes the agent check', () => {
    const c = popAgentConfig(dual, fra);
    expect(c.ipv6).toEqual(dual.anycast.ipv6);
    expect(checkPopConfig(JSON.parse(JSON.stringify(c))).ipv6).toEqual(dual.anycast.ipv6);
  });
});

describe('container', () => {
  it('puts the /48 addresses on anycast0 without DAD, before the link comes up', () => {
    const lines = pop.container.setup(dual).split('\n');
    expect(lines).toContain('ip addr replace 2001:db8::53/48 dev anycast0 nodad');
    expect(lines).toContain('ip addr replace 2001:db8::80/48 dev anycast0 nodad');
    expect(lines.indexOf('ip addr replace 2001:db8::80/48 dev anycast0 nodad')).toBeLessThan(lines.indexOf('ip link set anycast0 up'));
    // Compose would interpolate a `$`.
    expect(pop.container.setup(dual)).not.toContain('$');
    expect(pop.container.env(dual).ANYCAST_ADDRS).toBe('192.0.2.53/24 192.0.2.80/24 2001:db8::53/48 2001:db8::80/48');
  });

  it('an IPv4-only lab sets up what it always did', () => {
    expect(pop.container.setup(v4)).not.toMatch(/nodad|:/);
    expect(pop.container.env(v4).ANYCAST_ADDRS).toBe('192.0.2.53/24 192.0.2.80/24');
  });
});

describe('status', () => {
  const read = (health: unknown) => pop.status.read(`${JSON.stringify(health)}\n@@\n{}\n@@\n`);
  it('shows both families of a dual-stack PoP', () => {
    const f = read({ state: 'announced', family: 'ipv4', ipv6: { state: 'withdrawn', family: 'ipv6' } });
    expect(pop.status.summary(f)).toContain('anycast ipv4 announced ipv6 withdrawn');
  });

  it('shows a single-stack PoP as before', () => {
    expect(pop.status.summary(read({ state: 'announced' }))).toContain('anycast announced');
  });

  const withStats = (stats: unknown) => pop.status.read(`{"state":"announced"}\n@@\n${JSON.stringify(stats)}\n@@\n`);
  it('shows a dual-stack responder’s queries per family', () => {
    const stats = {
      udp: { queries: 130 },
      tcp: { queries: 7 },
      families: { ipv4: { udpQueries: 100, tcpQueries: 5, httpRequests: 3 }, ipv6: { udpQueries: 30, tcpQueries: 2, httpRequests: 1 } },
    };
    expect(pop.status.summary(withStats(stats))).toContain('queries ipv4 udp=100 tcp=5 ipv6 udp=30 tcp=2');
  });

  it('shows a single-stack responder’s queries as before', () => {
    expect(pop.status.summary(withStats({ udp: { queries: 130 }, tcp: { queries: 7 } }))).toContain('queries udp=130 tcp=7');
  });
});
