// Issue 23, the faults no other file covers: each PoP failing in turn (not
// only fra), two PoPs at once, every PoP down, a transit–transit link cut,
// and invalid lab files through the CLI end to end. Real containers, asked
// from inside the clients (`who`) and from FRR's own state.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import type { UpResult } from '../../src/lab/up.js';
import type { WhoReport } from '../../src/probe/who.js';
import { anycastRouters } from '../../src/topology/roles/registry.js';
import { type ExecJson, lab, labelled, labJson, TEST_LAB, TEST_LAB_FILE, until, type VtyshBgpSummary, vtyshJson } from './cli.js';

const L = TEST_LAB.name;
const POPS = anycastRouters(TEST_LAB).map((r) => r.name);
const OUT = mkdtempSync(join(tmpdir(), 'faults-more-'));

const who = () => labJson<WhoReport>(['who', L]);
/** Every client answered by the PoP the lab file expects: the lab is back. */
const allHome = () =>
  until('every client answered by its expected PoP', 30_000, 1000, async () => {
    const w = await who();
    const off = w.clients.filter((c) => !c.matches).map((c) => `${c.client}: ${c.udp}, want ${c.expected}`);
    if (off.length) throw new Error(off.join('; '));
    return w;
  });
const breakPop = (pop: string) => labJson(['break', '--lab', L, pop, 'freeze']);
const restorePop = (pop: string) => lab(['restore', '--lab', L, pop, 'freeze']);

describe('invalid lab files, end to end', () => {
  it.each([
    ['invalid-unknown-node.yaml', 'invalid-node', /invalid-unknown-node\.yaml:15:19: links\[1\]\.b: unknown router "t-nowhere"/],
    ['invalid-client-pop.yaml', 'invalid-pop', /invalid-client-pop\.yaml:17:\d+: clients\[0\]\.expect\.pop: "syd" is not a PoP/],
    ['invalid-yaml.yaml', 'invalid-yaml', /invalid-yaml\.yaml:6:1: YAML syntax error/],
  ])('`up %s` exits 2 naming the line and field, and creates nothing', async (file, name, message) => {
    const r = await lab(['up', join('test', 'fixtures', 'labs', file), '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    const { containers, networks } = await labelled(name);
    expect(containers).toEqual([]);
    expect(networks).toEqual([]);
  });
});

describe("faults beyond fra (the suite's lab)", () => {
  beforeAll(async () => {
    await labJson<UpResult>(['up', TEST_LAB_FILE]);
    await allHome();
  });
  afterAll(async () => {
    // Whatever a failed test left broken.
    for (const pop of POPS) await restorePop(pop);
  });

  // One trial each: fra's bounds over many trials are failover.test.ts's.
  it.each(POPS)('a frozen %s: its clients move to their backup PoP, nobody else is hurt, and it comes back', async (pop) => {
    const r = await labJson<FailoverResult>(['failover', '--lab', L, '--pop', pop, '--fault', 'freeze', '--trials', '1', '--out', join(OUT, pop)]);
    const served = TEST_LAB.clients.filter((c) => c.expect?.pop === pop);
    expect(served.length, `a client of ${pop} in the lab file`).toBeGreaterThan(0);
    const [t] = r.trials;
    expect(t.allMoved).toBe(true);
    expect(t.baselineAfterMs, 'back at baseline').toBeGreaterThan(0);
    for (const c of TEST_LAB.clients) {
      const row = t.clients.find((x) => x.client === c.name)!;
      if (c.expect?.pop === pop) {
        expect(row, c.name).toMatchObject({ affected: true, status: 'moved', fromPop: pop, toPop: c.expect.backup, popChanges: 1 });
      } else {
        expect(row.affected, `${c.name} is not ${pop}'s`).toBe(false);
        expect(row.popChanges, `${c.name} stayed on its PoP`).toBe(0);
      }
    }
    await allHome();
  });

  it('two PoPs at once (fra and iad frozen): every client is answered by a PoP still up, and both come back', async () => {
    try {
      await breakPop('fra');
      await breakPop('iad');
      const w = await until('every client on nrt or gru', 30_000, 1000, async () => {
        const w = await who();
        const off = w.clients.filter((c) => !['nrt', 'gru'].includes(c.udp ?? ''));
        if (off.length) throw new Error(off.map((c) => `${c.client}: ${c.udp}`).join('; '));
        return w;
      });
      expect(w.clients).toHaveLength(TEST_LAB.clients.length);
    } finally {
      await restorePop('fra');
      await restorePop('iad');
    }
    await allHome();
  });

  it('every PoP down: clients report no answer, no container or CLI crashes, and all come back', async () => {
    try {
      for (const pop of POPS) await breakPop(pop);
      const w = await until('no client answered', 45_000, 1000, async () => {
        const r = await lab(['who', L, '--json']);
        // `who` itself must not crash: it prints the table, with no answer for each client.
        expect(r.stdout, r.stderr.slice(-1000)).toMatch(/^\{/);
        const w = JSON.parse(r.stdout) as WhoReport;
        const answered = w.clients.filter((c) => c.udp !== null);
        if (answered.length) throw new Error(answered.map((c) => `${c.client}: ${c.udp}`).join('; '));
        return w;
      });
      for (const c of w.clients) {
        expect(c.matches).toBe(false);
        expect(c.errors?.udp, `${c.client} says why there is no answer`).toBeTruthy();
      }
      // Nothing crashed: every container of the lab still exists and is running or paused (the frozen PoPs).
      const { containers } = await labelled(L);
      for (const c of containers) expect(['running', 'paused'], c.Names[0]).toContain(c.State);
    } finally {
      for (const pop of POPS) await restorePop(pop);
    }
    await allHome();
  });

  it('a transit–transit link cut (t-eu–t-us): their session goes down, every client keeps its PoP, and it comes back', async () => {
    const link = TEST_LAB.links.find((l) => [l.a.node, l.b.node].sort().join() === 't-eu,t-us')!;
    const teu = link.a.node === 't-eu' ? link.a : link.b;
    const tus = link.a.node === 't-eu' ? link.b : link.a;
    // The interface by its address, as the product's own link commands find it (Docker orders interfaces by network name).
    const setLink = (state: 'up' | 'down') =>
      labJson<ExecJson>([
        'exec',
        '--lab',
        L,
        't-eu',
        '--',
        'sh',
        '-c',
        `ip link set dev "$(ip -o -4 addr show | awk '$4 ~ /^${teu.address.replaceAll('.', '\\.')}\\// {print $2}')" ${state}`,
      ]);
    const session = async () => (await vtyshJson<VtyshBgpSummary>('t-eu', 'show bgp summary')).ipv4Unicast.peers[tus.address]?.state;
    try {
      await setLink('down');
      await until('t-eu to drop its session to t-us', 15_000, 500, async () => ((await session()) !== 'Established' ? true : undefined));
      const w = await who();
      for (const c of w.clients) expect(c.matches, `${c.client}: ${c.udp}, want ${c.expected}`).toBe(true);
    } finally {
      await setLink('up');
    }
    await until('t-eu–t-us Established again', 60_000, 1000, async () => ((await session()) === 'Established' ? true : undefined));
    await allHome();
  });
});
