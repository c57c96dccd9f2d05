// Issue "See it", the route collector: a GoBGP speaker (another BGP
// implementation) in its own container, peering with every transit of the
// suite's lab (default.yaml's topology). What `lab collector` and `lg collector` show, read from the
// real collector and cross-checked with FRR on each transit. (Its timing in a
// failover is asserted in failover.test.ts, on the freeze run.)
import { beforeAll, describe, expect, it } from 'vitest';
import type { CollectorCheck, CollectorEvent, CollectorPath } from '../../src/lab/collector.js';
import type { UpResult } from '../../src/lab/up.js';
import { lab, labJson, TEST_LAB, TEST_LAB_FILE, until, vtyshJson } from './cli.js';

const L = TEST_LAB.name;
const TRANSITS = ['t-eu', 't-us', 't-ap'];

describe("route collector (the suite's lab)", () => {
  beforeAll(async () => {
    await labJson<UpResult>(['up', TEST_LAB_FILE]);
  });

  it('every transit is an established GoBGP peer over each family, and FRR on each transit sees the collector sessions up', async () => {
    type Peers = { peers: Record<string, { state: string; remoteAs: number }> };
    // `up` does not wait for the collector (an observer must not hold it): its
    // sessions come up on their own, the IPv6 one a few seconds after `up`
    // returns (seen Active right after `up`, 2026-12-06).
    const t0 = performance.now();
    for (const t of TRANSITS) {
      await until(`${t}'s sessions to the collector Established over both families`, 30_000, 500, async () => {
        const s = await vtyshJson<{ ipv4Unicast: Peers; ipv6Unicast?: Peers }>(t, 'show bgp summary');
        expect(s.ipv4Unicast.peers[TEST_LAB.collector!.address], t).toMatchObject({ state: 'Established', remoteAs: 64999 });
        expect(s.ipv6Unicast?.peers[TEST_LAB.collector!.ipv6!.address], `${t} over IPv6`).toMatchObject({ state: 'Established', remoteAs: 64999 });
        return true;
      });
    }
    console.log(`collector sessions Established on every transit, both families, ${(performance.now() - t0).toFixed(0)} ms after \`up\` returned`);
    const r = await lab(['exec', '--lab', L, 'collector', '--', 'gobgp', 'neighbor']);
    expect(r.code, r.stderr).toBe(0);
    // The suite's lab is dual-stack: one session per transit and family.
    expect(r.stdout.match(/Establ/g)).toHaveLength(TRANSITS.length * TEST_LAB.families.length);
  });

  it('`collector --json` lists each transit announcing the anycast prefix with its AS path', async () => {
    const r = await labJson<{ events: CollectorEvent[] }>(['collector', '--lab', L, '--prefix', '192.0.2.0/24', '--json']);
    for (const t of TRANSITS) {
      const heard = r.events.filter((e) => e.from === t && !e.withdraw);
      expect(heard.length, t).toBeGreaterThan(0);
      expect(heard.at(-1)?.asPath.at(-1), `${t}'s path ends at the operator`).toBe(64500);
    }
    const bad = await lab(['collector', '--lab', L, '--since', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since expects a duration like 30s');
  });

  it('`lg collector` shows every transit’s view, and GoBGP agrees with FRR on each', async () => {
    const r = await labJson<{ paths: CollectorPath[]; checks: CollectorCheck[] }>(['lg', '--lab', L, 'collector', '--json']);
    expect(r.paths.map((p) => p.from).sort()).toEqual([...TRANSITS].sort());
    expect(r.paths.filter((p) => p.best)).toHaveLength(1);
    // t-eu's own best is fra (a customer): the collector hears 65010 64500.
    expect(r.paths.find((p) => p.from === 't-eu')?.asPath).toEqual([65010, 64500]);
    expect(r.checks.filter((c) => !c.agree)).toEqual([]);
    const text = await lab(['lg', '--lab', L, 'collector', '192.0.2.0/24']);
    expect(text.stdout).toMatch(/192\.0\.2\.0\/24\s+t-eu\s+65010 64500\s+agrees/);
  });
});
