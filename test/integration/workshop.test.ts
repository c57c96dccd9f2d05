// Issue "Workshop mode": what a trainer types during a workshop, on the
// suite's lab (default.yaml's topology), checked from inside the clients and from FRR's own state.
//   - `trace` shows every client's AS path to the anycast address, ending at
//     the PoP that answers it;
//   - a policy change moves a client, asserted from inside the client, with
//     no BGP session reset; `status` lists it; `up` keeps it; reset undoes it;
//   - withdraw/announce drain a PoP through its health checker;
//   - break/restore leave a PoP broken by a fault mode until restored;
//   - a flood from two eyeballs is measured at the PoPs of their catchments
//     only, and draining one PoP mid-flood moves its load to the backup.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloodResult } from '../../src/experiment/flood.js';
import type { LabStatus } from '../../src/lab/status.js';
import type { UpResult } from '../../src/lab/up.js';
import type { ChangeReport } from '../../src/policy/catchment.js';
import type { TraceReport } from '../../src/probe/trace.js';
import type { WhoReport } from '../../src/probe/who.js';
import { lab, labJson, TEST_LAB, TEST_LAB_FILE, vtyshJson } from './cli.js';

const spec = TEST_LAB;
const L = spec.name;
const asnOf = (node: string) => spec.routers.find((r) => r.name === node)?.asn;
const gatewayOf = (client: string) => spec.lans.find((l) => l.clients.includes(client))?.eyeball;
const expected = (client: string) => spec.clients.find((c) => c.name === client)?.expect?.pop;

describe("workshop commands (the suite's lab)", () => {
  beforeAll(async () => {
    await labJson<UpResult>(['up', TEST_LAB_FILE]);
  });

  /** c-us as its own dig sees it: which PoP answers CHAOS hostname.bind over UDP. */
  const answerOf = async (client: string) => (await labJson<WhoReport>(['who', L])).clients.find((c) => c.client === client)?.udp;
  /** The same per family the lab runs ({ ipv4: 'iad', ipv6: 'iad' } on a dual-stack lab). */
  const answersOf = async (client: string) => {
    const row = (await labJson<WhoReport>(['who', L])).clients.find((c) => c.client === client);
    return Object.fromEntries(spec.families.map((f) => [f, f === 'ipv4' ? row?.udp : row?.ipv6?.udp]));
  };
  const everyFamily = (pop: string) => Object.fromEntries(spec.families.map((f) => [f, pop]));

  // As docs/workshop.md has the trainer type it: no --family, so on a dual-stack
  // lab the change hits both sessions of the iad–t-us link and c-us moves on
  // each family (the report has a row per client per family).
  it('prepend 3 on iad toward t-us moves c-us to gru on every family without resetting a session; status and up keep it; reset-all undoes it', async () => {
    const before = await vtyshJson<Record<string, { connectionsEstablished?: number }>>('iad', 'show bgp neighbors');
    const r = await labJson<ChangeReport>(['policy', '--lab', L, 'iad', 't-us', 'prepend', '3']);
    expect(r.settled).toBe(true);
    const moved = r.catchment.filter((c) => c.moved);
    expect(moved.map((c) => `${c.client}/${c.family ?? 'ipv4'}`)).toEqual(spec.families.map((f) => `c-us/${f}`));
    for (const m of moved) expect(m, m.family).toMatchObject({ before: 'iad', after: 'gru' });
    expect(r.shiftMs).not.toBeNull();
    // From inside the client, independently of the command's own polling.
    expect(await answersOf('c-us')).toEqual(everyFamily('gru'));
    // A soft clear: no session of iad was re-established.
    const after = await vtyshJson<Record<string, { connectionsEstablished?: number }>>('iad', 'show bgp neighbors');
    for (const [peer, p] of Object.entries(before)) expect(after[peer]?.connectionsEstablished, peer).toBe(p.connectionsEstablished);

    // One override per session: the IPv6 one's route-map is TO6-t-us (family: 'ipv6').
    const st = await labJson<LabStatus>(['status', L]);
    expect(st.nodes.find((n) => n.node === 'iad')?.policy).toEqual(
      spec.families.map((f) => expect.objectContaining({ neighbor: 't-us', kind: 'prepend', value: 3, ...(f === 'ipv6' ? { family: 'ipv6' } : {}) })),
    );

    // `up` with an unchanged lab file keeps the override (and says so).
    const up = await labJson<UpResult>(['up', TEST_LAB_FILE]);
    expect(up.overrides.join(' ')).toMatch(/iad.*t-us.*prepend/);
    expect(await answersOf('c-us')).toEqual(everyFamily('gru'));

    const reset = await labJson<ChangeReport>(['policy', '--lab', L, '--reset-all']);
    expect(reset.catchment.filter((c) => c.client === 'c-us').map((c) => c.after)).toEqual(spec.families.map(() => 'iad'));
    expect(await answersOf('c-us')).toEqual(everyFamily('iad'));
  });

  it('refuses an unknown neighbour and an out-of-range value, naming what is valid (exit 2)', async () => {
    const bad = await lab(['policy', '--lab', L, 'iad', 't-eu', 'prepend', '3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/t-us/);
    const range = await lab(['policy', '--lab', L, 'iad', 't-us', 'prepend', '11']);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/1.*10/);
  });

  it('withdraw fra moves c-de away (the health checker keeps it withdrawn); announce brings it back', async () => {
    const w = await labJson<ChangeReport>(['withdraw', '--lab', L, 'fra']);
    expect(w.catchment.find((c) => c.client === 'c-de')).toMatchObject({ before: 'fra', moved: true });
    expect(await answerOf('c-de')).not.toBe('fra');
    const st = await labJson<LabStatus>(['status', L]);
    expect(st.nodes.find((n) => n.node === 'fra')).toMatchObject({ drained: true });
    const a = await labJson<ChangeReport>(['announce', '--lab', L, 'fra']);
    expect(a.catchment.find((c) => c.client === 'c-de')?.after).toBe('fra');
    expect(await answerOf('c-de')).toBe('fra');
  });

  it('break fra silent moves c-de away and leaves it there; restore brings it back; a transit cannot be broken (exit 2)', async () => {
    const b = await labJson<ChangeReport>(['break', '--lab', L, 'fra', 'silent']);
    expect(b.change).toMatch(/^break fra: silent/);
    expect(b.catchment.find((c) => c.client === 'c-de')).toMatchObject({ before: 'fra', moved: true });
    // Broken until restored: nothing undoes it by itself.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await answerOf('c-de')).not.toBe('fra');
    const r = await labJson<ChangeReport>(['restore', '--lab', L, 'fra', 'silent']);
    expect(r.catchment.find((c) => c.client === 'c-de')?.after).toBe('fra');
    const bad = await lab(['break', '--lab', L, 't-eu', 'freeze']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/t-eu does not announce the anycast prefix.*break\/restore act on fra, iad, nrt, gru/);
  });

  it('traces every client to the anycast address: eyeball AS first, the answering PoP last', async () => {
    for (const c of spec.clients) {
      const t = await labJson<TraceReport>(['trace', '--lab', L, c.name]);
      expect(t.reached, `${c.name}: ${JSON.stringify(t.hops)}`).toBe(true);
      expect(t.answeredBy, c.name).toBe(expected(c.name));
      // The first hop is the client's own eyeball router, the last the PoP's anycast address.
      expect(t.hops[0].node, c.name).toBe(gatewayOf(c.name));
      expect(t.hops.at(-1)?.address).toBe(spec.anycast.dnsAddress);
      expect(t.asPath[0].asn).toBe(asnOf(gatewayOf(c.name)!));
      expect(t.asPath.at(-1)?.asn).toBe(asnOf(expected(c.name)!));
      // Every hop that answered is a node of the lab, with its AS.
      for (const h of t.hops.filter((h) => h.address)) expect(h.asn, `${c.name} ttl ${h.ttl}`).not.toBeNull();
    }
  });

  it('measures a flood from two eyeballs at the PoPs of their catchments only', async () => {
    const f = await labJson<FloodResult>(['flood', '--lab', L, '--from', 'c-de,c-jp', '--qps', '200', '--seconds', '5'], 120_000);
    const byPop = Object.fromEntries(f.pops.map((p) => [p.pop, p]));
    // Each sender's PoP takes about half; the others see only their own health checks (~5 q/s).
    for (const pop of ['fra', 'nrt']) {
      expect(byPop[pop].share, pop).toBeGreaterThan(0.4);
      expect(byPop[pop].share, pop).toBeLessThan(0.6);
    }
    for (const pop of ['iad', 'gru']) expect(byPop[pop].share, pop).toBeLessThan(0.05);
    for (const r of f.results) {
      expect(r.error, r.client).toBeUndefined();
      expect(r.summary!.completed, r.client).toBeGreaterThanOrEqual(0.95 * r.summary!.sent);
    }
  });

  it('moves the flood to the backup PoP when one is drained mid-flood, and announces it again after', async () => {
    const f = await labJson<FloodResult>(
      ['flood', '--lab', L, '--from', 'c-de', '--qps', '200', '--seconds', '8', '--drain', 'fra', '--drain-at', '3'],
      120_000,
    );
    expect(f.drain?.error).toBeUndefined();
    const byPop = Object.fromEntries(f.pops.map((p) => [p.pop, p]));
    // About 3 of 8 s at fra, the rest at iad (c-de's backup in the lab file).
    expect(byPop.fra.share).toBeGreaterThan(0.15);
    expect(byPop.fra.share).toBeLessThan(0.7);
    expect(byPop.iad.share).toBeGreaterThan(0.3);
    const who = await labJson<WhoReport>(['who', L]);
    expect(who.clients.find((c) => c.client === 'c-de')?.udp).toBe('fra');
  });
});
