// Running config vs rendered config, on real FRR 8.4.4 output captured from
// the default lab (test/fixtures/frr/*.running-config.txt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDrift, configStatements } from '../../src/lab/config-drift.js';

const fixture = (f: string) => readFileSync(join(__dirname, '..', 'fixtures', 'frr', f), 'utf8');
const anycastNetwork = [/^router bgp \d+ > address-family ipv4 unicast > network 192\.0\.2\.0\/24$/];

describe('configDrift', () => {
  it('finds nothing missing on routers whose config was applied', () => {
    expect(configDrift(fixture('fra.rendered.conf'), fixture('fra.running-config.txt'))).toEqual([]);
    expect(configDrift(fixture('t-eu.rendered.conf'), fixture('t-eu.running-config.txt'))).toEqual([]);
  });

  it('does not ask the daemons’ own configs (read over their sockets) for vtysh’s own setting, which none of them holds', () => {
    const rendered = 'service integrated-vtysh-config\nhostname iad\nlog timestamp precision 6\n';
    expect(configDrift(rendered, 'hostname iad\nlog timestamp precision 6\n')).toEqual([]);
    expect(configDrift(rendered, 'hostname iad\n')).toEqual(['log timestamp precision 6']);
  });

  it('names every missing neighbour, prefix-list and BFD profile of a PoP whose config was lost', () => {
    // What a PoP held after watchfrr killed `vtysh -b` under load and the
    // health checker's announce created a bare BGP instance.
    const lost = [
      'frr version 8.4.4',
      'frr defaults traditional',
      'hostname fra',
      '!',
      'router bgp 64500',
      ' !',
      ' address-family ipv4 unicast',
      '  network 192.0.2.0/24',
      ' exit-address-family',
      'exit',
      '!',
      'end',
    ].join('\n');
    const drift = configDrift(fixture('fra.rendered.conf'), lost, { runtimeOwned: anycastNetwork });
    expect(drift).toContain('router bgp 64500 > bgp router-id 10.255.0.1');
    expect(drift).toContain('router bgp 64500 > neighbor 10.77.0.3 remote-as 65010');
    expect(drift).toContain('router bgp 64500 > neighbor 10.77.0.3 bfd profile bfd-100x3');
    expect(drift).toContain('ip prefix-list OUT-t-eu seq 5 permit 192.0.2.0/24');
    expect(drift).toContain('bfd > profile bfd-100x3 > transmit-interval 100');
    expect(drift).toContain('router bgp 64500 > address-family ipv4 unicast > neighbor 10.77.0.3 route-map TO-t-eu out');
    expect(drift).not.toContain('hostname fra');
  });

  it('scopes statements by block: the same line in another route-map does not count', () => {
    const rendered = 'route-map FROM-a permit 10\n set local-preference 200\nexit\nroute-map FROM-b permit 10\n set local-preference 200\nexit\n';
    const running = 'route-map FROM-a permit 10\n set local-preference 200\nexit\nroute-map FROM-b permit 10\n set local-preference 100\nexit\n';
    expect(configDrift(rendered, running)).toEqual(['route-map FROM-b permit 10 > set local-preference 200']);
  });

  it("leaves runtime-owned statements (the health checker's network) alone", () => {
    const withdrawn = fixture('fra.running-config.txt').replace('  network 192.0.2.0/24\n', '');
    expect(configDrift(fixture('fra.rendered.conf'), withdrawn)).toEqual(['router bgp 64500 > address-family ipv4 unicast > network 192.0.2.0/24']);
    expect(configDrift(fixture('fra.rendered.conf'), withdrawn, { runtimeOwned: anycastNetwork })).toEqual([]);
  });

  it('ignores comments and block ends', () => {
    expect([...configStatements('! c\nbfd\n profile p\n  transmit-interval 100\n exit\nexit\n')]).toEqual([
      'bfd',
      'bfd > profile p',
      'bfd > profile p > transmit-interval 100',
    ]);
  });
});
