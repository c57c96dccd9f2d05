import { describe, expect, it } from 'vitest';
import { checkFaultFamily, type FaultContext, faultMode } from '../../src/fault/index.js';
import { SERVICE_TABLE, serviceDropRuleset } from '../../src/fault/service.js';
import { silentRuleset } from '../../src/fault/silent.js';
import type { Lab } from '../../src/topology/model.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { FakeRuntime } from './support/fake-runtime.js';

const v4 = defaultIpv4Lab();
const dual: Lab = {
  ...v4,
  families: ['ipv4', 'ipv6'],
  anycast: { ...v4.anycast, ipv6: { prefix: '2001:db8::/48', dnsAddress: '2001:db8::53', httpAddress: '2001:db8::80', records: {} } },
};
const popContainer = `al-${dual.name}-fra`;

function setup(family?: 'ipv4' | 'ipv6') {
  const rt = new FakeRuntime({ running: [popContainer] });
  const ctx: FaultContext = {
    rt,
    lab: dual,
    pop: 'fra',
    progress: { step: () => {} },
    configRoot: '/nonexistent',
    prepared: {},
    ...(family ? { family } : {}),
  };
  return { rt, ctx };
}

describe('service --family', () => {
  const service = faultMode('service');

  it('ipv6: loads a drop of the /48 service addresses on the PoP, and freezes nothing', async () => {
    const { rt, ctx } = setup('ipv6');
    await service.inject(ctx);
    expect(rt.execLog).toHaveLength(1);
    expect(rt.execLog[0]).toMatchObject({ container: popContainer, cmd: ['nft', '-f', '-'] });
    expect(rt.execLog[0].stdin).toContain('ip6 daddr { 2001:db8::53, 2001:db8::80 } drop');
    expect(rt.execLog[0].stdin).toContain('hook input');
  });

  it('ipv4: the same for the /24 service addresses', async () => {
    const { rt, ctx } = setup('ipv4');
    await service.inject(ctx);
    expect(rt.execLog[0].stdin).toContain('ip daddr { 192.0.2.53, 192.0.2.80 } drop');
  });

  it('no family: SIGSTOPs the responder as always', async () => {
    const { rt, ctx } = setup();
    await service.inject(ctx);
    expect(rt.execLog.map((c) => c.cmd.join(' '))).toEqual([expect.stringMatching(/^sh -c kill -STOP /)]);
  });

  it('restore continues the responder and removes the drop table only where it exists, whatever the family', async () => {
    for (const family of [undefined, 'ipv6'] as const) {
      const { rt, ctx } = setup(family);
      await service.restore(ctx);
      const cmds = rt.execLog.map((c) => c.cmd.join(' '));
      expect(cmds[0]).toMatch(/^sh -c kill -CONT /);
      expect(cmds[1]).toBe(`sh -c nft list table inet ${SERVICE_TABLE} >/dev/null 2>&1 || exit 0; nft delete table inet ${SERVICE_TABLE}`);
    }
  });

  it('the ruleset is one table nftables can load', () => {
    expect(serviceDropRuleset('ipv6', ['2001:db8::53'])).toBe(
      `table inet ${SERVICE_TABLE} {\n  chain in { type filter hook input priority -400; policy accept; ip6 daddr { 2001:db8::53 } drop; }\n}\n`,
    );
  });
});

describe('silent --family', () => {
  it('drops only that family on the uplinks', () => {
    expect(silentRuleset(['eth1'], 'ipv6')).toContain('iifname { "eth1" } meta nfproto ipv6 drop;');
    expect(silentRuleset(['eth1'], 'ipv6')).toContain('oifname { "eth1" } meta nfproto ipv6 drop;');
    expect(silentRuleset(['eth1'])).toContain('iifname { "eth1" } drop;');
  });
});

describe('checkFaultFamily', () => {
  it('accepts no family anywhere, and a family for an aimable mode in a dual-stack lab', () => {
    expect(() => checkFaultFamily(faultMode('freeze'), v4, undefined)).not.toThrow();
    expect(() => checkFaultFamily(faultMode('service'), dual, 'ipv6')).not.toThrow();
    expect(() => checkFaultFamily(faultMode('silent'), dual, 'ipv4')).not.toThrow();
  });

  it('refuses a mode that hits every family, naming the ones that can aim', () => {
    expect(() => checkFaultFamily(faultMode('freeze'), dual, 'ipv6')).toThrow(/"freeze" hits every family at once; --family works with silent, service/);
  });

  it('refuses a family in a single-stack lab', () => {
    expect(() => checkFaultFamily(faultMode('service'), v4, 'ipv6')).toThrow(/runs ipv4 only: --family ipv6 needs a dual-stack lab/);
  });
});
