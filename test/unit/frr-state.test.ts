// FRR's JSON → plain state → "what is still pending". Fixtures are real FRR
// 8.4.4 output (test/fixtures/frr/README.md says where each came from); the
// pending cases splice real non-converged entries into converged output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseBfdPeers,
  parseBgpSummary,
  parseInstalledRoutes,
  parseRouterState,
  pendingKind,
  pendingOn,
  type RouterState,
  splitJsonDocuments,
} from '../../src/lab/frr-state.js';
import { parseLab } from '../../src/topology/load.js';
import { defaultIpv4Lab, defaultIpv4Text } from '../fixtures/labs/default-ipv4.js';
import { dualLab } from '../fixtures/render/dual-lab.js';

type Capture = 'bgp-summary' | 'bfd-peers' | 'ip-route';
const capture = (who: 't-eu' | 'fra' | 'fra-pending', what: Capture): string =>
  readFileSync(new URL(`../fixtures/frr/${who}.${what}.json`, import.meta.url), 'utf8');
const stateOf = (who: 't-eu' | 'fra' | 'fra-pending'): RouterState => ({
  bgp: parseBgpSummary(capture(who, 'bgp-summary')),
  bfd: parseBfdPeers(capture(who, 'bfd-peers')),
  routes: parseInstalledRoutes(capture(who, 'ip-route')),
});

/** JSON text edited as data, so a case changes exactly one thing of a real capture. */
const editJson = <T>(text: string, edit: (doc: T) => void): string => {
  const doc = JSON.parse(text) as T;
  edit(doc);
  return JSON.stringify(doc);
};
type Summary = { ipv4Unicast: { peers: Record<string, Record<string, unknown>> } };
type BfdList = Record<string, unknown>[];
type Routes = Record<string, Record<string, unknown>[]>;

// Captured vtysh output of the IPv4 lab: the [ipv4] default (the dual-stack one is below).
const lab = defaultIpv4Lab();
const LANS = ['10.78.0.0/24', '10.78.1.0/24', '10.78.2.0/24', '10.78.3.0/24'];

describe('parseBgpSummary', () => {
  it('reads every peer of `show bgp summary json`', () => {
    expect(parseBgpSummary(capture('t-eu', 'bgp-summary'))).toEqual([
      { peer: '10.77.0.2', description: 'fra', remoteAs: 64500, state: 'Established', pfxRcd: 1, pfxSnt: 4, uptime: '00:00:55' },
      { peer: '10.77.0.43', description: 't-us', remoteAs: 65020, state: 'Established', pfxRcd: 3, pfxSnt: 5, uptime: '00:00:54' },
      { peer: '10.77.0.51', description: 't-ap', remoteAs: 65030, state: 'Established', pfxRcd: 2, pfxSnt: 5, uptime: '00:00:54' },
      { peer: '10.77.0.58', description: 'eb-de', remoteAs: 64601, state: 'Established', pfxRcd: 1, pfxSnt: 1, uptime: '00:00:54' },
    ]);
  });

  it('reads a peer that never came up', () => {
    expect(parseBgpSummary(capture('fra-pending', 'bgp-summary'))).toEqual([
      { peer: '10.77.0.3', description: 't-eu', remoteAs: 65010, state: 'Active', pfxRcd: 0, pfxSnt: 0, uptime: 'never' },
    ]);
  });

  it('treats no output and no BGP instance as no peers', () => {
    expect(parseBgpSummary('')).toEqual([]);
    expect(parseBgpSummary('{}')).toEqual([]);
  });

  it('fails loudly on output that is not JSON (the caller decides what that means)', () => {
    expect(() => parseBgpSummary('% Unknown command: show bgp summary jsn')).toThrow(SyntaxError);
  });
});

describe('parseBfdPeers', () => {
  it('reads `show bfd peers json`', () => {
    const peers = parseBfdPeers(capture('t-eu', 'bfd-peers'));
    expect(peers.map((p) => p.peer)).toEqual(['10.77.0.58', '10.77.0.43', '10.77.0.51', '10.77.0.2']);
    expect(peers[3]).toEqual({ peer: '10.77.0.2', status: 'up', transmitInterval: 100, receiveInterval: 100, detectMultiplier: 3, uptimeS: 53 });
  });

  it('reads a peer that is down (FRR reports downtime, not uptime)', () => {
    expect(parseBfdPeers(capture('fra-pending', 'bfd-peers'))).toEqual([
      { peer: '10.77.0.3', status: 'down', transmitInterval: 100, receiveInterval: 100, detectMultiplier: 3, uptimeS: undefined },
    ]);
  });

  it('treats no output as no peers', () => {
    expect(parseBfdPeers('')).toEqual([]);
    expect(parseBfdPeers('[]')).toEqual([]);
  });
});

describe('parseInstalledRoutes', () => {
  it('lists prefixes with a selected route installed in the FIB', () => {
    expect(parseInstalledRoutes(capture('t-eu', 'ip-route'))).toEqual([
      '10.77.0.0/29',
      '10.77.0.40/29',
      '10.77.0.48/29',
      '10.77.0.56/29',
      ...LANS,
      '192.0.2.0/24',
    ]);
    expect(parseInstalledRoutes(capture('fra', 'ip-route'))).toEqual(['10.77.0.0/29', ...LANS, '192.0.2.0/24']);
  });

  it('skips a route that is selected but not installed, or installed but not selected', () => {
    const text = editJson<Routes>(capture('t-eu', 'ip-route'), (d) => {
      d['192.0.2.0/24'][0].installed = false;
      d['10.78.0.0/24'][0].selected = false;
      delete d['10.78.1.0/24'][0].installed;
    });
    const routes = parseInstalledRoutes(text);
    expect(routes).not.toContain('192.0.2.0/24');
    expect(routes).not.toContain('10.78.0.0/24');
    expect(routes).not.toContain('10.78.1.0/24');
    expect(routes).toContain('10.78.2.0/24');
  });

  it('accepts any selected+installed entry of a prefix with several', () => {
    const text = editJson<Routes>(capture('t-eu', 'ip-route'), (d) => {
      const best = d['192.0.2.0/24'][0];
      d['192.0.2.0/24'] = [{ ...best, selected: false, installed: false, distance: 200 }, best];
    });
    expect(parseInstalledRoutes(text)).toContain('192.0.2.0/24');
  });

  it('treats no output as no routes', () => {
    expect(parseInstalledRoutes('')).toEqual([]);
  });
});

describe('pendingOn', () => {
  it('is empty on a converged transit and a converged PoP', () => {
    expect(pendingOn(lab, 't-eu', stateOf('t-eu'))).toEqual([]);
    expect(pendingOn(lab, 'fra', stateOf('fra'))).toEqual([]);
  });

  it('lists a session that is not Established, a BFD peer that is down, and every missing route', () => {
    expect(pendingOn(lab, 'fra', stateOf('fra-pending'))).toEqual([
      'fra: BGP session to t-eu (10.77.0.3) is Active',
      'fra: BFD peer t-eu (10.77.0.3) is down',
      ...LANS.map((p) => `fra: no route to ${p}`),
    ]);
  });

  it('names the one peer that is Active among converged ones', () => {
    const active = (JSON.parse(capture('fra-pending', 'bgp-summary')) as Summary).ipv4Unicast.peers['10.77.0.3'];
    const text = editJson<Summary>(capture('t-eu', 'bgp-summary'), (d) => {
      d.ipv4Unicast.peers['10.77.0.43'] = { ...active, hostname: 't-us', remoteAs: 65020, desc: 't-us' };
    });
    expect(pendingOn(lab, 't-eu', { ...stateOf('t-eu'), bgp: parseBgpSummary(text) })).toEqual(['t-eu: BGP session to t-us (10.77.0.43) is Active']);
  });

  it('names the one BFD peer that is down, and one that is missing', () => {
    const down = (JSON.parse(capture('fra-pending', 'bfd-peers')) as BfdList)[0];
    const text = editJson<BfdList>(capture('t-eu', 'bfd-peers'), (d) => {
      d[0] = { ...down, peer: '10.77.0.58', local: '10.77.0.59', interface: 'eth0' };
      d.splice(2, 1); // 10.77.0.51 (t-ap)
    });
    expect(pendingOn(lab, 't-eu', { ...stateOf('t-eu'), bfd: parseBfdPeers(text) })).toEqual([
      't-eu: BFD peer t-ap (10.77.0.51) is absent',
      't-eu: BFD peer eb-de (10.77.0.58) is down',
    ]);
  });

  it('names a missing anycast route on a transit, but never asks a PoP for the prefix it originates', () => {
    const text = editJson<Routes>(capture('t-eu', 'ip-route'), (d) => {
      delete d['192.0.2.0/24'];
    });
    expect(pendingOn(lab, 't-eu', { ...stateOf('t-eu'), routes: parseInstalledRoutes(text) })).toEqual(['t-eu: no route to 192.0.2.0/24']);
    const fra = stateOf('fra');
    expect(pendingOn(lab, 'fra', { ...fra, routes: fra.routes.filter((r) => r !== '192.0.2.0/24') })).toEqual([]);
  });

  it('a route that is known but not installed still counts as missing', () => {
    const text = editJson<Routes>(capture('t-eu', 'ip-route'), (d) => {
      d['10.78.2.0/24'][0].installed = false;
    });
    expect(pendingOn(lab, 't-eu', { ...stateOf('t-eu'), routes: parseInstalledRoutes(text) })).toEqual(['t-eu: no route to 10.78.2.0/24']);
  });

  it('reports a configured session missing from the summary as not configured', () => {
    const text = editJson<Summary>(capture('t-eu', 'bgp-summary'), (d) => {
      delete d.ipv4Unicast.peers['10.77.0.2'];
    });
    expect(pendingOn(lab, 't-eu', { ...stateOf('t-eu'), bgp: parseBgpSummary(text) })).toEqual(['t-eu: BGP session to fra (10.77.0.2) is not configured']);
  });

  it('does not wait for BFD on a link where the lab turns it off', () => {
    const text = defaultIpv4Text().replace('- { a: fra, b: t-eu, subnet: 10.77.0.0/29 }', '- { a: fra, b: t-eu, subnet: 10.77.0.0/29, bfd: false }');
    const noBfd = parseLab(text, 'labs/default.yaml');
    expect(pendingOn(noBfd, 'fra', { ...stateOf('fra'), bfd: [] })).toEqual([]);
    expect(pendingOn(lab, 'fra', { ...stateOf('fra'), bfd: [] })).toEqual(['fra: BFD peer t-eu (10.77.0.3) is absent']);
  });

  it('asks an eyeball for the anycast prefix only (its own LAN is connected)', () => {
    const eyeball: RouterState = {
      bgp: [{ peer: '10.77.0.59', state: 'Established', pfxRcd: 1, pfxSnt: 1 }],
      bfd: [{ peer: '10.77.0.59', status: 'up' }],
      routes: [],
    };
    expect(pendingOn(lab, 'eb-de', eyeball)).toEqual(['eb-de: no route to 192.0.2.0/24']);
  });
});

describe('one vtysh, three documents', () => {
  it('splits back-to-back JSON documents as vtysh prints them', () => {
    expect(splitJsonDocuments('{"a":"}{"}\n{\n"b":[1,{"c":"\\\\"}]\n}\n[]\n')).toEqual(['{"a":"}{"}', '{\n"b":[1,{"c":"\\\\"}]\n}', '[]']);
  });

  it('parses bgp summary, bfd peers and routes from one vtysh run (real FRR 8.4.4 output)', () => {
    const text = readFileSync(join(__dirname, '..', 'fixtures', 'frr', 'eb-de.state-3docs.txt'), 'utf8');
    const s = parseRouterState(text);
    expect(s.bgp).toEqual([expect.objectContaining({ peer: '10.77.0.59', state: 'Established', description: 't-eu' })]);
    expect(s.bfd).toEqual([expect.objectContaining({ peer: '10.77.0.59', status: 'up' })]);
    expect(s.routes).toContain('192.0.2.0/24');
  });

  it('yields empty state while FRR is still starting', () => {
    expect(parseRouterState('% bgpd is not running\n')).toEqual({ bgp: [], bfd: [], routes: [] });
  });

  it('classifies pending lines', () => {
    expect(pendingKind('fra: BGP session to t-eu (10.77.0.3) is Active')).toBe('bgp');
    expect(pendingKind('fra: BFD peer t-eu (10.77.0.3) is down')).toBe('bfd');
    expect(pendingKind('t-eu: no route to 192.0.2.0/24')).toBe('route');
  });
});

describe('a dual-stack lab: each family on its own', () => {
  // eyeball-de of test/fixtures/render/dual-lab.ts: sessions to transit-a, transit-b and pop-ams, each IPv4 and IPv6.
  const PEERS = [
    ['transit-a', '10.77.0.26', 'fd00:77:0:3::2'],
    ['transit-b', '10.77.0.34', 'fd00:77:0:4::2'],
    ['pop-ams', '10.77.0.42', 'fd00:77:0:5::2'],
  ] as const;
  const peer = (state: string) => ({ state, pfxRcd: 1, pfxSnt: 1, peerUptime: '00:01:00' });
  const summary = (v6State = 'Established', v6Key = (a: string) => a) =>
    JSON.stringify({
      ipv4Unicast: { peers: Object.fromEntries(PEERS.map(([, v4]) => [v4, peer('Established')])) },
      ipv6Unicast: { peers: Object.fromEntries(PEERS.map(([name, , v6]) => [v6Key(v6), peer(name === 'transit-b' ? v6State : 'Established')])) },
    });
  const converged = (): RouterState => ({
    bgp: parseBgpSummary(summary()),
    bfd: PEERS.flatMap(([, v4, v6]) => [v4, v6].map((p) => ({ peer: p, status: 'up' }))),
    routes: ['192.0.2.0/24', '2001:db8::/48'],
  });

  it('reads both address families of `show bgp summary json`, marking the IPv6 sessions', () => {
    const peers = parseBgpSummary(summary());
    expect(peers.map((p) => [p.peer, p.family ?? 'ipv4'])).toEqual([
      ['10.77.0.26', 'ipv4'],
      ['10.77.0.34', 'ipv4'],
      ['10.77.0.42', 'ipv4'],
      ['fd00:77:0:3::2', 'ipv6'],
      ['fd00:77:0:4::2', 'ipv6'],
      ['fd00:77:0:5::2', 'ipv6'],
    ]);
    // An IPv4 session stays exactly what it was (no family key).
    expect(peers[0]).not.toHaveProperty('family');
  });

  it('is empty when both families are converged, and names an IPv6 session, BFD peer or route that is not', () => {
    expect(pendingOn(dualLab, 'eyeball-de', converged())).toEqual([]);
    expect(pendingOn(dualLab, 'eyeball-de', { ...converged(), bgp: parseBgpSummary(summary('Active')) })).toEqual([
      'eyeball-de: BGP session to transit-b (fd00:77:0:4::2) is Active',
    ]);
    expect(pendingOn(dualLab, 'eyeball-de', { ...converged(), bfd: converged().bfd.filter((p) => p.peer !== 'fd00:77:0:5::2') })).toEqual([
      'eyeball-de: BFD peer pop-ams (fd00:77:0:5::2) is absent',
    ]);
    expect(pendingOn(dualLab, 'eyeball-de', { ...converged(), routes: ['192.0.2.0/24'] })).toEqual(['eyeball-de: no route to 2001:db8::/48']);
  });

  it('matches an IPv6 peer however it is spelled', () => {
    const expanded = (a: string) => a.replace('fd00:77:0:', 'FD00:0077:0000:000').replace('::2', ':0:0:0:2');
    expect(pendingOn(dualLab, 'eyeball-de', { ...converged(), bgp: parseBgpSummary(summary('Established', expanded)) })).toEqual([]);
  });

  it('reads the IPv6 table as the fourth document of the one vtysh run', () => {
    const routes6 = JSON.stringify({ '2001:db8::/48': [{ selected: true, installed: true }], 'fd00:78:0:1::/64': [{ selected: true, installed: false }] });
    const s = parseRouterState(`${summary()}\n[]\n{"192.0.2.0/24":[{"selected":true,"installed":true}]}\n${routes6}\n`);
    expect(s.routes).toEqual(['192.0.2.0/24', '2001:db8::/48']);
  });

  it('waits in an [ipv4] lab for no IPv6 route', () => {
    expect(
      pendingOn(lab, 'eb-de', {
        bgp: [{ peer: '10.77.0.59', state: 'Established', pfxRcd: 1, pfxSnt: 1 }],
        bfd: [{ peer: '10.77.0.59', status: 'up' }],
        routes: ['192.0.2.0/24'],
      }),
    ).toEqual([]);
  });
});
