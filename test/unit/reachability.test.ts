// What the topology implies: which prefixes reach each router under the
// roles' policy, what `up` waits for on each router, and which client
// expectations no path can meet (refused by validation).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { pendingOn } from '../../src/lab/frr-state.js';
import { parseLab } from '../../src/topology/load.js';
import { expectedRoutes, reachability } from '../../src/topology/reachability.js';
import { defaultIpv4Text } from '../fixtures/labs/default-ipv4.js';

const FILE = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
// IPv4 reachability on the [ipv4] default; the dual-stack default's IPv6 side is checked at the end.
const TEXT = defaultIpv4Text();
const base = parseLab(TEXT, FILE);
const LANS = { de: '10.78.0.0/24', us: '10.78.1.0/24', jp: '10.78.2.0/24', br: '10.78.3.0/24' };

/** PoP syd (AS64500) peering only with eyeball eb-jp; c-jp expects `pop`. */
const peeringOnly = (pop = 'nrt', client = 'c-jp') =>
  TEXT.replace(/( {2}- \{ name: gru,[^\n]*\n)/, '$1  - { name: syd, asn: 64500, location: Sydney, colo: SYD }\n')
    .replace(/( {2}- \{ a: gru, b: eb-br[^\n]*\n)/, '$1  - { a: syd, b: eb-jp }\n')
    .replace(new RegExp(`(name: ${client},[^}]*expect: \\{ pop: )\\w+`), `$1${pop}`);

describe('reachability (default lab)', () => {
  it('of the dual-stack default: an eyeball waits for the /48 beside the /24, a PoP for the LANs of both families', () => {
    const dual = parseLab(readFileSync(FILE, 'utf8'), FILE);
    expect(expectedRoutes(dual, 'eb-jp').sort()).toEqual(['192.0.2.0/24', '2001:db8::/48']);
    const lans6 = dual.lans.map((l) => l.ipv6!.subnet);
    expect(lans6).toHaveLength(4);
    expect(expectedRoutes(dual, 'fra').sort()).toEqual([...Object.values(LANS), ...lans6].sort());
  });

  it.each([
    ['fra', [LANS.de, LANS.us, LANS.jp, LANS.br]],
    ['gru', [LANS.de, LANS.us, LANS.jp, LANS.br]],
    ['t-ap', ['192.0.2.0/24', LANS.de, LANS.us, LANS.jp, LANS.br]],
    ['eb-jp', ['192.0.2.0/24']],
  ])('%s waits for %j', (router, want) => {
    expect(expectedRoutes(base, router).sort()).toEqual([...want].sort());
  });

  it('knows which PoPs each eyeball can hear the anycast prefix from', () => {
    const reach = reachability(base);
    expect([...(reach.get('eb-jp')?.get('192.0.2.0/24') ?? [])].sort()).toEqual(['fra', 'gru', 'iad', 'nrt']);
    // A PoP never learns another PoP's announcement (it accepts only LANs).
    expect(reach.get('fra')?.has('192.0.2.0/24')).toBe(true);
    expect([...(reach.get('fra')?.get('192.0.2.0/24') ?? [])]).toEqual(['fra']);
  });
});

describe('a PoP that peers with one eyeball only', () => {
  const lab = parseLab(peeringOnly('syd'), FILE);

  it('is a valid lab when its one eyeball’s client expects it', () => {
    expect(lab.routers.map((r) => r.name)).toContain('syd');
  });

  it('is asked only for the LAN that can reach it, so it converges', () => {
    expect(expectedRoutes(lab, 'syd')).toEqual([LANS.jp]);
    const state = {
      bgp: [{ peer: lab.links.find((l) => l.name === 'syd--eb-jp')!.b.address, state: 'Established', pfxRcd: 1 }],
      bfd: [{ peer: lab.links.find((l) => l.name === 'syd--eb-jp')!.b.address, status: 'up' }],
      routes: [LANS.jp],
    };
    expect(pendingOn(lab, 'syd', state as Parameters<typeof pendingOn>[2])).toEqual([]);
  });

  it.each([
    ['c-de', 'syd', /clients\[0\]\.expect\.pop: syd cannot answer c-de: no path carries syd's 192\.0\.2\.0\/24 to eb-de/],
    ['c-br', 'syd', /clients\[3\]\.expect\.pop: syd cannot answer c-br: no path carries syd's 192\.0\.2\.0\/24 to eb-br/],
  ])('is refused when %s, behind another eyeball, expects %s, naming the node', (client, pop, message) => {
    const err = (() => {
      try {
        parseLab(peeringOnly(pop, client), FILE);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LabFileError);
    expect((err as Error).message).toMatch(message);
  });
});
