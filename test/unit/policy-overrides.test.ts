// Live policy, the pure half: arguments checked against the default lab, the
// vtysh lines each override becomes, and overrides read back from config text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDrift } from '../../src/lab/config-drift.js';
import { runtimeOwned, waitFrrReady } from '../../src/lab/frr-ready.js';
import {
  describeOverride,
  type PolicyRequest,
  parsePolicyRequest,
  policyOverrides,
  requestChanges,
  sessionPolicies,
  vtyshPolicyCommands,
} from '../../src/lab/policy-overrides.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { loadLabFile } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const fixture = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frr', f), 'utf8');
const rendered = (r: string) => renderRouter(lab, r)['frr.conf'];

describe('parsePolicyRequest', () => {
  it.each<[string, [string, string, string, string | undefined], Partial<PolicyRequest['change']>]>([
    ['prepend', ['iad', 't-us', 'prepend', '3'], { kind: 'prepend', value: 3 }],
    ['prepend at the cap', ['iad', 't-us', 'prepend', '10'], { kind: 'prepend', value: 10 }],
    ['local-pref 0', ['t-us', 'iad', 'local-pref', '0'], { kind: 'local-pref', value: 0 }],
    ['local-pref max u32', ['t-us', 'iad', 'local-pref', '4294967295'], { kind: 'local-pref', value: 4294967295 }],
    ['med', ['gru', 'eb-br', 'med', '50'], { kind: 'med', value: 50 }],
    ['reset', ['gru', 't-us', 'reset', undefined], { kind: 'reset' }],
  ])('%s', (_name, [r, n, a, v], change) => {
    expect(parsePolicyRequest(lab, r, n, a, v).change).toEqual(change);
  });

  it.each<[string, [string, string | undefined, string | undefined, string | undefined], RegExp]>([
    ['unknown router, listing the routers', ['iadx', 't-us', 'prepend', '1'], /unknown router "iadx".*routers: fra, iad, nrt, gru, t-eu/],
    ['a client is not a router', ['c-us', 'eb-us', 'prepend', '1'], /unknown router "c-us"/],
    ['not a neighbour, listing the neighbours', ['iad', 't-eu', 'prepend', '1'], /"t-eu" is not a BGP neighbour of iad \(its neighbours: t-us\)/],
    ['unknown action', ['iad', 't-us', 'weight', '1'], /unknown policy action "weight" \(valid: prepend, local-pref, med, reset\)/],
    ['prepend 0', ['iad', 't-us', 'prepend', '0'], /prepend "0" is out of range: expected an integer from 1 to 10/],
    ['prepend 11', ['iad', 't-us', 'prepend', '11'], /from 1 to 10/],
    ['local-pref over u32', ['iad', 't-us', 'local-pref', '4294967296'], /from 0 to 4294967295/],
    ['negative med', ['iad', 't-us', 'med', '-1'], /med "-1" is out of range/],
    ['not an integer', ['iad', 't-us', 'med', '1.5'], /med "1.5"/],
    ['missing value', ['iad', 't-us', 'med', undefined], /needs a value: an integer from 0 to 4294967295/],
    ['reset with a value', ['iad', 't-us', 'reset', '3'], /reset takes no value/],
    ['no neighbour: lists them', ['gru', undefined, undefined, undefined], /policy gru <neighbor> <action>: name one of gru's BGP neighbours \(t-us, eb-br\)/],
    [
      'no action: lists them with ranges',
      ['iad', 't-us', undefined, undefined],
      /one of prepend <1-10> \| local-pref <0-4294967295> \| med <0-4294967295> \| reset/,
    ],
  ])('rejects %s', (_name, [r, n, a, v], message) => {
    expect(() => parsePolicyRequest(lab, r, n, a, v)).toThrow(message);
    try {
      parsePolicyRequest(lab, r, n, a, v);
    } catch (e) {
      expect((e as { code: string }).code).toBe('USAGE');
    }
  });

  it("takes the session's address and its lab-file policy", () => {
    const req = parsePolicyRequest(lab, 'gru', 't-us', 'reset', undefined);
    expect(req.base).toEqual({ prepend: 2, 'local-pref': 100, med: null });
    expect(rendered('gru')).toContain(`neighbor ${req.peerAddress} description t-us`);
  });
});

describe('vtyshPolicyCommands', () => {
  const cmds = (r: string, n: string, a: string, v?: string, running?: Parameters<typeof requestChanges>[1]) => {
    const req = parsePolicyRequest(lab, r, n, a, v);
    return vtyshPolicyCommands(
      req.router.asn,
      requestChanges(req, running).map((c) => ({ ...c, neighbor: n, peerAddress: req.peerAddress })),
    );
  };

  it.each<[string, string[], string[]]>([
    [
      'prepend: outbound, own ASN n times, soft out',
      cmds('iad', 't-us', 'prepend', '3'),
      [
        'configure terminal',
        'route-map TO-t-us permit 10',
        ' set as-path prepend 64500 64500 64500',
        'exit',
        'end',
        'clear bgp ipv4 unicast 10.77.0.11 soft out',
      ],
    ],
    [
      'local-pref: inbound, soft in',
      cmds('iad', 't-us', 'local-pref', '50'),
      ['configure terminal', 'route-map FROM-t-us permit 10', ' set local-preference 50', 'exit', 'end', 'clear bgp ipv4 unicast 10.77.0.11 soft in'],
    ],
    [
      'med: outbound, set metric',
      cmds('iad', 't-us', 'med', '0'),
      ['configure terminal', 'route-map TO-t-us permit 10', ' set metric 0', 'exit', 'end', 'clear bgp ipv4 unicast 10.77.0.11 soft out'],
    ],
    [
      'reset of what differs: the lab file has no prepend and no MED here',
      cmds('iad', 't-us', 'reset', undefined, { prepend: 3, 'local-pref': 100, med: 7 }),
      [
        'configure terminal',
        'route-map TO-t-us permit 10',
        ' no set as-path prepend',
        'exit',
        'route-map TO-t-us permit 10',
        ' no set metric',
        'exit',
        'end',
        'clear bgp ipv4 unicast 10.77.0.11 soft out',
      ],
    ],
    [
      "reset back to the lab file's prepend 2, both directions cleared",
      cmds('gru', 't-us', 'reset', undefined, { prepend: 5, 'local-pref': 10, med: null }),
      [
        'configure terminal',
        'route-map TO-t-us permit 10',
        ' set as-path prepend 64500 64500',
        'exit',
        'route-map FROM-t-us permit 10',
        ' set local-preference 100',
        'exit',
        'end',
        'clear bgp ipv4 unicast 10.77.0.27 soft out',
        'clear bgp ipv4 unicast 10.77.0.27 soft in',
      ],
    ],
    ['reset when nothing differs: nothing to run', cmds('gru', 't-us', 'reset', undefined, { prepend: 2, 'local-pref': 100, med: null }), []],
  ])('%s', (_name, got, want) => {
    expect(got).toEqual(want);
  });

  it('never resets a session: only soft clears', () => {
    for (const c of cmds('gru', 't-us', 'reset', undefined)) if (c.startsWith('clear')) expect(c).toMatch(/ soft (in|out)$/);
  });
});

describe('sessionPolicies and policyOverrides', () => {
  it('reads what each session sets, from rendered and from real running config', () => {
    expect(Object.fromEntries(sessionPolicies(rendered('gru')))).toEqual({
      'eb-br': { prepend: 0, 'local-pref': 100, med: null },
      't-us': { prepend: 2, 'local-pref': 100, med: null },
    });
    expect(Object.fromEntries(sessionPolicies(fixture('fra.running-config.txt')))).toEqual({ 't-eu': { prepend: 0, 'local-pref': 100, med: null } });
  });

  it('finds no override where the router runs its frr.conf', () => {
    expect(policyOverrides('fra', fixture('fra.rendered.conf'), fixture('fra.running-config.txt'))).toEqual([]);
    expect(policyOverrides('t-eu', fixture('t-eu.rendered.conf'), fixture('t-eu.running-config.txt'))).toEqual([]);
  });

  it.each<[string, (conf: string) => string, ReturnType<typeof policyOverrides>]>([
    [
      'a prepend added',
      (c) => c.replace('route-map TO-t-eu permit 10\n match ip address prefix-list OUT-t-eu\n', '$& set as-path prepend 64500 64500 64500\n'),
      [{ router: 'fra', neighbor: 't-eu', kind: 'prepend', value: 3, base: 0 }],
    ],
    [
      'local preference changed, a MED added',
      (c) =>
        c
          .replace(' set local-preference 100', ' set local-preference 250')
          .replace('route-map TO-t-eu permit 10\n match ip address prefix-list OUT-t-eu\n', '$& set metric 40\n'),
      [
        { router: 'fra', neighbor: 't-eu', kind: 'local-pref', value: 250, base: 100 },
        { router: 'fra', neighbor: 't-eu', kind: 'med', value: 40, base: null },
      ],
    ],
    ['a lost route-map is drift, not an override', (c) => c.replace(/route-map [^\n]*\n( [^\n]*\n)*exit\n/g, ''), []],
  ])('%s', (_name, edit, want) => {
    const running = edit(fixture('fra.running-config.txt'));
    expect(running).not.toBe(fixture('fra.running-config.txt'));
    expect(policyOverrides('fra', fixture('fra.rendered.conf'), running)).toEqual(want);
  });

  it('describes an override the way the status table shows it', () => {
    expect(describeOverride({ router: 'iad', neighbor: 't-us', kind: 'prepend', value: 3, base: 0 })).toBe('iad → t-us prepend 3 (lab file: none)');
    expect(describeOverride({ router: 'gru', neighbor: 't-us', kind: 'local-pref', value: 50, base: 100 })).toBe('gru ← t-us local-pref 50 (lab file: 100)');
  });
});

describe('overrides are runtime-owned: `up` does not repair them', () => {
  const running = rendered('gru')
    .replace('IN-t-us\n set local-preference 100', 'IN-t-us\n set local-preference 50')
    .replace(' set as-path prepend 64500 64500\n', '');

  it('an overridden local-pref and a removed prepend would be drift without it', () => {
    expect(configDrift(rendered('gru'), running)).toEqual([
      'route-map FROM-t-us permit 10 > set local-preference 100',
      'route-map TO-t-us permit 10 > set as-path prepend 64500 64500',
    ]);
  });

  it('and are none with the lab’s runtime-owned statements', () => {
    expect(configDrift(rendered('gru'), running, { runtimeOwned: runtimeOwned(lab) })).toEqual([]);
  });

  it('while a lost match line is still repaired', () => {
    const lost = rendered('gru').replace(' match ip address prefix-list IN-t-us\n', '');
    expect(configDrift(rendered('gru'), lost, { runtimeOwned: runtimeOwned(lab) })).toEqual([
      'route-map FROM-t-us permit 10 > match ip address prefix-list IN-t-us',
    ]);
  });
});

describe('a repair that re-applies frr.conf puts live overrides back', () => {
  /** iad's FRR-ready check finds `running`; the repair's `vtysh -b` then yields the rendered config. Returns the runtime, the result and the progress steps. */
  const repairIad = async (running: string) => {
    const rt = new FakeRuntime({
      running: ['al-default-iad'],
      onExec: (_c, cmd) => {
        const script = cmd.join(' ');
        if (script.includes('frr-ready')) return { stdout: `{"daemonsMs":1,"applyMs":1,"at":0}\n@@anycast-lab@@\n${running}` };
        if (script.includes('vtysh -b')) return { stdout: rendered('iad') };
        return {};
      },
    });
    const steps: string[] = [];
    const r = await waitFrrReady(rt, lab, 'al-default-iad', 'iad', { deadlineMs: 1000, progress: { step: (_s, step, d) => steps.push(`${step}: ${d}`) } });
    return { rt, r, steps };
  };

  it('iad lost a prefix-list line and runs prepend 3: repaired, then the prepend is set again with a soft clear', async () => {
    const iad = rendered('iad');
    const drifted = iad
      .replace('OUT-t-us\n', 'OUT-t-us\n set as-path prepend 64500 64500 64500\n')
      .replace('ip prefix-list ANYCAST seq 5 permit 192.0.2.0/24\n', '');
    const { rt, r, steps } = await repairIad(drifted);
    expect(r.repaired).toBe(1);
    const last = rt.execLog.at(-1)?.cmd ?? [];
    expect(last.filter((a) => a !== '-c')).toEqual([
      'vtysh',
      'configure terminal',
      'route-map TO-t-us permit 10',
      ' set as-path prepend 64500 64500 64500',
      'exit',
      'end',
      'clear bgp ipv4 unicast 10.77.0.11 soft out',
    ]);
    expect(steps.at(-1)).toMatch(/putting back 1 live policy overrides.*iad → t-us prepend 3/);
  });

  it('iad with bgpd dead: zebra shows its route-maps without `set`, which is no override to put back', async () => {
    const iad = rendered('iad');
    // What `show running-config` printed after `kill -9` of iad's bgpd: no BGP instance, route-maps without their bgpd `set` lines.
    const bgpdDead = iad.replace(/^router bgp [\s\S]*?^exit\n/m, '').replace(/^ set .*\n/gm, '');
    const { rt, r, steps } = await repairIad(bgpdDead);
    expect(r.repaired).toBe(1);
    expect(r.overrides).toEqual([]);
    expect(steps.filter((s) => s.startsWith('overrides'))).toEqual([]);
    expect(rt.execs().filter((e) => e.startsWith('vtysh'))).toEqual([]);
  });
});
