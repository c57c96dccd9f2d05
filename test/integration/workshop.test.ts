// Issue "Workshop mode": what a trainer types during a workshop, on the
// default lab, checked from inside the clients and from FRR's own state.
//   - `trace` shows every client's AS path to the anycast address, ending at
//     the PoP that answers it;
//   - a flood from two eyeballs is measured at the PoPs of their catchments
//     only, and draining one PoP mid-flood moves its load to the backup.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloodResult } from '../../src/experiment/flood.js';
import type { UpResult } from '../../src/lab/up.js';
import type { TraceReport } from '../../src/probe/trace.js';
import type { WhoReport } from '../../src/probe/who.js';
import { loadLabFile } from '../../src/topology/load.js';
import { labJson, REPO } from './cli.js';

const spec = loadLabFile(`${REPO}/labs/default.yaml`);
const asnOf = (node: string) => spec.routers.find((r) => r.name === node)?.asn;
const gatewayOf = (client: string) => spec.lans.find((l) => l.clients.includes(client))?.eyeball;
const expected = (client: string) => spec.clients.find((c) => c.name === client)?.expect?.pop;

describe('workshop commands (default lab)', () => {
  beforeAll(async () => {
    await labJson<UpResult>(['up']);
  });

  it('traces every client to the anycast address: eyeball AS first, the answering PoP last', async () => {
    for (const c of spec.clients) {
      const t = await labJson<TraceReport>(['trace', c.name]);
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
    const f = await labJson<FloodResult>(['flood', '--from', 'c-de,c-jp', '--qps', '200', '--seconds', '5'], 120_000);
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
    const f = await labJson<FloodResult>(['flood', '--from', 'c-de', '--qps', '200', '--seconds', '8', '--drain', 'fra', '--drain-at', '3'], 120_000);
    expect(f.drain?.error).toBeUndefined();
    const byPop = Object.fromEntries(f.pops.map((p) => [p.pop, p]));
    // About 3 of 8 s at fra, the rest at iad (c-de's backup in the lab file).
    expect(byPop.fra.share).toBeGreaterThan(0.15);
    expect(byPop.fra.share).toBeLessThan(0.7);
    expect(byPop.iad.share).toBeGreaterThan(0.3);
    const who = await labJson<WhoReport>(['who']);
    expect(who.clients.find((c) => c.client === 'c-de')?.udp).toBe('fra');
  });
});
