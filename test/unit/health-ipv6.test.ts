// Health per family in a dual-stack PoP: the /48 is withdrawn under
// `address-family ipv6 unicast` when only the IPv6 service fails, the /24 stays;
// the state file keeps the IPv4 state where every reader looks and the IPv6
// one beside it. Fakes and a virtual clock; the probe against the real
// responder on ::1.
import { describe, expect, it } from 'vitest';
import { vtyshNetworkArgs } from '../../src/agent/pop/bgp.js';
import type { HealthLogLine, PopHealthFile } from '../../src/agent/pop/health-checker.js';
import { startFamilyCheckers, watchedFamilies } from '../../src/agent/pop/health-families.js';
import { chaosProbe } from '../../src/agent/pop/health-probe.js';
import { silentLogger } from '../../src/agent/pop/log.js';
import type { PopAgentConfig } from '../../src/contract/agent.js';
import { popTestConfig, usePopServices } from './support/pop-fixture.js';

const ipv6: NonNullable<PopAgentConfig['ipv6']> = {
  prefix: '2001:db8::/48',
  dnsAddress: '2001:db8::53',
  httpAddress: '2001:db8::80',
  records: { 'anycast.lab.': '2001:db8::80' },
};
const dual = { dnsAddress: '192.0.2.53', prefix: '192.0.2.0/24', ipv6 };

describe('vtysh commands per family', () => {
  it('the /48 is added and removed under address-family ipv6 unicast', () => {
    const head = ['-c', 'configure terminal', '-c', 'router bgp 65101', '-c', 'address-family ipv6 unicast'];
    expect(vtyshNetworkArgs(65101, '2001:db8::/48', false)).toEqual([...head, '-c', 'no network 2001:db8::/48']);
    expect(vtyshNetworkArgs(65101, '2001:db8::/48', true)).toEqual([...head, '-c', 'network 2001:db8::/48']);
  });
});

describe('watchedFamilies', () => {
  it('is the IPv4 service alone without ipv6, both with it', () => {
    expect(watchedFamilies({ dnsAddress: '192.0.2.53', prefix: '192.0.2.0/24' }).map((w) => w.family)).toEqual(['ipv4']);
    expect(watchedFamilies(dual)).toEqual([
      { family: 'ipv4', dnsAddress: '192.0.2.53', prefix: '192.0.2.0/24' },
      { family: 'ipv6', dnsAddress: '2001:db8::53', prefix: '2001:db8::/48' },
    ]);
  });
});

/**
 * Runs the checkers of `config` for `checks` checks each; `ok(address, n)`
 * says whether the n-th check of that address succeeds. Each check advances a
 * shared virtual clock by 100 ms.
 */
async function drive(config: Pick<PopAgentConfig, 'dnsAddress' | 'prefix' | 'ipv6'>, checks: number, ok: (address: string, n: number) => boolean) {
  let now = 0;
  const counts = new Map<string, number>();
  const bgp: string[] = [];
  const log: HealthLogLine[] = [];
  const files: PopHealthFile[] = [];
  const families = watchedFamilies(config).length;
  let parked = 0;
  let allParked!: () => void;
  const finished = new Promise<void>((r) => (allParked = r));
  startFamilyCheckers(
    config,
    { intervalMs: 100, policy: { failures: 3, holdDownMs: 60_000 } },
    {
      check: async (address) => {
        const n = counts.get(address) ?? 0;
        counts.set(address, n + 1);
        if (n >= checks) {
          if (++parked === families) allParked();
          await new Promise(() => {}); // park this loop
        }
        now += 100;
        return ok(address, n) ? { ok: true, rttMs: 1 } : { ok: false, rttMs: null, reason: 'timeout after 100 ms' };
      },
      bgpFor: (prefix) => ({
        announce: async () => void bgp.push(`network ${prefix}`),
        withdraw: async () => void bgp.push(`no network ${prefix}`),
      }),
      monoMs: () => now,
      wallMs: () => 1_700_000_000_000 + now,
      writeState: async (f) => void files.push(structuredClone(f)),
      appendLog: async (l) => void log.push(l),
      sleep: async () => {},
      log: silentLogger,
    },
  );
  await finished;
  return { bgp, log, files };
}

describe('startFamilyCheckers', () => {
  it('an IPv6 service that fails withdraws only the /48', async () => {
    const r = await drive(dual, 6, (address, n) => address !== '2001:db8::53' || n < 2);
    expect(r.bgp).toEqual(['network 192.0.2.0/24', 'network 2001:db8::/48', 'no network 2001:db8::/48']);
    const last = r.files.at(-1)!;
    expect(last).toMatchObject({ family: 'ipv4', state: 'announced', phase: 'healthy', ipv6: { family: 'ipv6', state: 'withdrawn', phase: 'withdrawn' } });
    const transitions = r.log.filter((l) => l.state !== 'start').map((l) => [l.family, l.state]);
    expect(transitions).toEqual([
      ['ipv6', 'failing'],
      ['ipv6', 'withdrawn'],
    ]);
  });

  it('an IPv4 service that fails withdraws only the /24', async () => {
    const r = await drive(dual, 6, (address, n) => address !== '192.0.2.53' || n < 2);
    expect(r.bgp).toEqual(['network 192.0.2.0/24', 'network 2001:db8::/48', 'no network 192.0.2.0/24']);
    expect(r.files.at(-1)).toMatchObject({ state: 'withdrawn', ipv6: { state: 'announced' } });
  });

  it('a single-stack PoP writes what it always wrote: no family, no ipv6 part', async () => {
    const r = await drive({ dnsAddress: '192.0.2.53', prefix: '192.0.2.0/24' }, 4, (_a, n) => n < 1);
    expect(r.bgp).toEqual(['network 192.0.2.0/24', 'no network 192.0.2.0/24']);
    for (const f of r.files) {
      expect(f).not.toHaveProperty('family');
      expect(f).not.toHaveProperty('ipv6');
    }
    for (const l of r.log) expect(l).not.toHaveProperty('family');
  });
});

describe('chaosProbe over IPv6', () => {
  const pop = usePopServices(popTestConfig({ ipv6 }), () => ({ ipv6: { dnsAddress: '::1', httpAddress: '::1' } }));

  it('is ok against the IPv6 listener', async () => {
    const probe = chaosProbe('::1', pop.services.ipv6!.dns.port);
    const r = await probe.check(500);
    probe.close();
    expect(r).toMatchObject({ ok: true });
  });
});
