// Live policy per family, the pure half: `--family` against the lab's
// families, the IPv6 session's route-maps (FROM6-/TO6-) and soft clears, and
// IPv6 overrides read back, put back and left alone by `up`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDrift } from '../../src/lab/config-drift.js';
import { runtimeOwned } from '../../src/lab/frr-ready.js';
import {
  describeOverride,
  overrideCommands,
  parsePolicyRequest,
  policyFamilies,
  policyOverrides,
  requestChanges,
  sessionPolicies,
  vtyshPolicyCommands,
} from '../../src/lab/policy-overrides.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { loadLabFile } from '../../src/topology/load.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const labs = join(import.meta.dirname, '..', '..', 'labs');
const v4 = defaultIpv4Lab();
const dual = loadLabFile(join(labs, 'dual-stack.yaml'));
const rendered = (r: string) => renderRouter(dual, r)['frr.conf'];
/** t-ap's running config with its IPv6 local-pref towards t-eu lowered from the lab file's 250 to 100 (the exercise's fix). */
const tapFixed = () => rendered('t-ap').replace(/(route-map FROM6-t-eu permit 10\n[^\n]*\n) set local-preference 250/, '$1 set local-preference 100');

describe('policyFamilies', () => {
  it.each<[string, typeof v4, string | undefined, string[]]>([
    ['an IPv4 lab defaults to ipv4', v4, undefined, ['ipv4']],
    ['an IPv4 lab accepts ipv4', v4, 'ipv4', ['ipv4']],
    ['a dual-stack lab defaults to both, like a knob on a link end in the lab file', dual, undefined, ['ipv4', 'ipv6']],
    ['a dual-stack lab: ipv6 alone', dual, 'ipv6', ['ipv6']],
    ['a dual-stack lab: both', dual, 'both', ['ipv4', 'ipv6']],
  ])('%s', (_n, lab, flag, want) => {
    expect(policyFamilies(lab, flag)).toEqual(want);
  });

  it.each<[string, typeof v4, string, RegExp]>([
    ['ipv6 on an IPv4 lab', v4, 'ipv6', /--family ipv6: lab "default" runs ipv4 only \(no ipv6 sessions\)/],
    ['both on an IPv4 lab', v4, 'both', /--family both: lab "default" runs ipv4 only/],
    ['an unknown family', dual, 'inet6', /--family "inet6": one of ipv4, ipv6, both/],
  ])('rejects %s', (_n, lab, flag, message) => {
    expect(() => policyFamilies(lab, flag)).toThrow(message);
  });
});

describe('an IPv6 policy request', () => {
  const req = parsePolicyRequest(dual, 't-ap', 't-eu', 'local-pref', '100', 'ipv6');

  it("takes the IPv6 session's address and the end's ipv6 policy from the lab file", () => {
    expect(req.family).toBe('ipv6');
    expect(req.base).toEqual({ prepend: 0, 'local-pref': 250, med: null });
    expect(req.peerAddress).toContain(':');
    expect(rendered('t-ap')).toContain(`neighbor ${req.peerAddress} route-map FROM6-t-eu in`);
    expect(parsePolicyRequest(dual, 't-ap', 't-eu', 'local-pref', '100').base['local-pref']).toBe(100);
  });

  it('changes FROM6-, soft-clears the IPv6 session only', () => {
    const cmds = vtyshPolicyCommands(
      req.router.asn,
      requestChanges(req).map((c) => ({ ...c, neighbor: 't-eu', peerAddress: req.peerAddress, family: req.family })),
    );
    expect(cmds).toEqual([
      'configure terminal',
      'route-map FROM6-t-eu permit 10',
      ' set local-preference 100',
      'exit',
      'end',
      `clear bgp ipv6 unicast ${req.peerAddress} soft in`,
    ]);
  });

  it('prepend goes out through TO6-', () => {
    const p = parsePolicyRequest(dual, 'nrt', 't-ap', 'prepend', '2', 'ipv6');
    const cmds = vtyshPolicyCommands(p.router.asn, [{ kind: 'prepend', value: 2, neighbor: 't-ap', peerAddress: p.peerAddress, family: 'ipv6' }]);
    expect(cmds.slice(1, 3)).toEqual(['route-map TO6-t-ap permit 10', ' set as-path prepend 64500 64500']);
    expect(cmds.at(-1)).toBe(`clear bgp ipv6 unicast ${p.peerAddress} soft out`);
  });

  it('an IPv4-only lab has no IPv6 session to change', () => {
    expect(() => parsePolicyRequest(v4, 'iad', 't-us', 'prepend', '3', 'ipv6')).toThrow(/iad ↔ t-us has no IPv6 session: lab "default" runs ipv4 only/);
  });
});

describe('IPv6 overrides read back', () => {
  it('sessionPolicies reads each family from its own route-maps', () => {
    expect(sessionPolicies(rendered('t-ap')).get('t-eu')).toEqual({ prepend: 0, 'local-pref': 100, med: null });
    expect(sessionPolicies(rendered('t-ap'), 'ipv6').get('t-eu')).toEqual({ prepend: 0, 'local-pref': 250, med: null });
  });

  it('a changed FROM6- is an IPv6 override, named so', () => {
    const found = policyOverrides('t-ap', rendered('t-ap'), tapFixed());
    expect(found).toEqual([{ router: 't-ap', neighbor: 't-eu', kind: 'local-pref', value: 100, base: 250, family: 'ipv6' }]);
    expect(describeOverride(found[0])).toBe('t-ap ← t-eu ipv6 local-pref 100 (lab file: 250)');
    expect(policyOverrides('t-ap', rendered('t-ap'), rendered('t-ap'))).toEqual([]);
  });

  it('reset and put-back act on the IPv6 session', () => {
    const found = policyOverrides('t-ap', rendered('t-ap'), tapFixed());
    const peer = parsePolicyRequest(dual, 't-ap', 't-eu', 'reset', undefined, 'ipv6').peerAddress;
    expect(overrideCommands(dual, 't-ap', found, 'base')).toEqual([
      'configure terminal',
      'route-map FROM6-t-eu permit 10',
      ' set local-preference 250',
      'exit',
      'end',
      `clear bgp ipv6 unicast ${peer} soft in`,
    ]);
    expect(overrideCommands(dual, 't-ap', found, 'value')[2]).toBe(' set local-preference 100');
  });

  it('`up` keeps an IPv6 override: runtime-owned, not drift', () => {
    expect(configDrift(rendered('t-ap'), tapFixed())).toEqual(['route-map FROM6-t-eu permit 10 > set local-preference 250']);
    expect(configDrift(rendered('t-ap'), tapFixed(), { runtimeOwned: runtimeOwned(dual) })).toEqual([]);
  });
});
