import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/contract/sample.js';
import type { FailoverResult } from '../../src/experiment/failover-result.js';
import { parseBgpPaths } from '../../src/lab/looking-glass.js';
import type { LabStatus } from '../../src/lab/status.js';
import { REPO_ROOT } from '../../src/paths.js';
import { renderTimeline } from '../../src/report/svg-timeline.js';
import { loadLabFile } from '../../src/topology/load.js';
import { topologyElements } from '../../src/web/elements.js';
import type { FailoverLiveView } from '../../src/web/failover-live.js';
import { parseRunRequest } from '../../src/web/failover-panel.js';
import { finishedEntry, type RunEntry, runClients } from '../../src/web/failover-runs.js';
import { colourOf, NO_POP_COLOUR, popColours } from '../../src/web/pop-colours.js';
import { dashboardApp } from '../../src/web/server.js';
import { buildEvent, linkStates } from '../../src/web/snapshot.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { type FakeDashboardSource, fakeDashboardSource } from './support/fake-dashboard-source.js';

const lab = loadLabFile(join(REPO_ROOT, 'labs', 'default.yaml'));

describe('popColours', () => {
  it('gives each PoP of the lab file its own colour, in file order', () => {
    const c = popColours(lab);
    expect(Object.keys(c)).toEqual(['fra', 'iad', 'nrt', 'gru']);
    expect(new Set(Object.values(c)).size).toBe(4);
  });
  it.each([
    [null, NO_POP_COLOUR],
    ['lhr', NO_POP_COLOUR],
    ['iad', popColours(lab).iad],
  ])('colourOf(%s)', (pop, want) => {
    expect(colourOf(popColours(lab), pop)).toBe(want);
  });
});

describe('topologyElements', () => {
  const els = topologyElements(lab);
  const node = (id: string) => els.find((e) => e.group === 'nodes' && e.data.id === id);
  it('groups routers by AS in compound nodes', () => {
    expect(els.filter((e) => e.classes.startsWith('as ')).map((e) => e.data.id)).toEqual([
      'as64500',
      'as65010',
      'as65020',
      'as65030',
      'as64601',
      'as64602',
      'as64603',
      'as64604',
      'as64999',
    ]);
    expect(['fra', 'iad', 'nrt', 'gru'].map((n) => node(n)?.data.parent)).toEqual(['as64500', 'as64500', 'as64500', 'as64500']);
    expect(node('t-eu')?.data.parent).toBe('as65010');
  });
  it('labels PoPs with their colo and colour, and puts clients in their eyeball AS', () => {
    expect(node('fra')?.data).toMatchObject({ label: 'FRA', role: 'pop', colour: popColours(lab).fra });
    expect(node('c-de')?.data).toMatchObject({ parent: 'as64601', role: 'client' });
  });
  it('has one edge per link and one per client LAN', () => {
    const edges = els.filter((e) => e.group === 'edges');
    expect(edges.filter((e) => e.classes === 'link').map((e) => e.data.id)).toEqual(lab.links.map((l) => l.name));
    expect(edges.find((e) => e.data.id === 'lan:c-de')?.data).toMatchObject({ source: 'c-de', target: 'eb-de' });
  });
  it('draws the route collector in its own AS with a dashed line to each transit, not as a link', () => {
    expect(node('collector')?.data).toMatchObject({ parent: 'as64999', role: 'collector' });
    const peering = els.filter((e) => e.classes === 'peering').map((e) => [e.data.source, e.data.target]);
    expect(peering).toEqual([
      ['collector', 't-eu'],
      ['collector', 't-us'],
      ['collector', 't-ap'],
    ]);
  });
});

describe('event payload', () => {
  const fraTeu = lab.links.find((l) => l.a.node === 'fra' && l.b.node === 't-eu')!;

  it.each([
    ['all up', {}, 'up', 'up'],
    ['fra paused: BGP and BFD down', { fra: 'paused' }, 'down', 'down'],
  ])('link fra--t-eu: %s', async (_, nodeState, bgp, bfd) => {
    const src = fakeDashboardSource(lab);
    Object.assign(src.nodeState, nodeState);
    expect(linkStates(lab, await src.status())[fraTeu.name]).toEqual({ bgp, bfd });
  });

  it('BGP up with BFD down shows as such; no status at all is unknown', async () => {
    const st = await fakeDashboardSource(lab).status();
    for (const n of st.nodes) for (const p of n.bfd ?? []) p.status = 'down';
    expect(linkStates(lab, st)[fraTeu.name]).toEqual({ bgp: 'up', bfd: 'down' });
    expect(linkStates(lab, null)[fraTeu.name]).toEqual({ bgp: 'unknown', bfd: 'unknown' });
  });

  it('a link without BFD is off, not down', () => {
    const noBfd = { ...lab, links: lab.links.map((l) => ({ ...l, bfd: { ...l.bfd, enabled: false } })) };
    const st: LabStatus = { labs: [lab.name], nodes: [] };
    expect(linkStates(noBfd, st)[fraTeu.name].bfd).toBe('off');
  });

  it('carries PoP announce state, drains and the coloured catchment', async () => {
    const src = fakeDashboardSource(lab);
    src.drained.add('fra');
    src.catchmentNow['c-de'] = 'iad';
    src.catchmentNow['c-jp'] = null;
    const ev = buildEvent(lab, 7, new Date('2026-01-01T00:00:00Z'), await src.status(), await src.catchment(), ['x']);
    expect(ev).toMatchObject({ seq: 7, at: '2026-01-01T00:00:00.000Z', errors: ['x'] });
    expect(ev.pops.fra).toEqual({ announce: 'withdrawn', drained: true, broken: null, colour: popColours(lab).fra });
    expect(ev.pops.iad.announce).toBe('announced');
    expect(ev.nodes.fra).toBe('running');
    // The default lab is dual-stack: c-de moved over IPv4 only, its IPv6 row still on fra.
    expect(ev.catchment.find((c) => c.client === 'c-de')).toEqual({
      client: 'c-de',
      pop: 'iad',
      expected: 'fra',
      colour: popColours(lab).iad,
      ipv6: { pop: 'fra', expected: 'fra', colour: popColours(lab).fra },
    });
    expect(ev.catchment.find((c) => c.client === 'c-jp')).toMatchObject({ pop: null, colour: NO_POP_COLOUR });
  });

  it('a dual-stack lab carries each client’s IPv6 PoP beside its IPv4 one; an [ipv4] lab’s rows have no ipv6', async () => {
    const dual = loadLabFile(join(REPO_ROOT, 'labs', 'dual-stack.yaml'));
    const colours = popColours(dual);
    const ev = buildEvent(dual, 1, new Date(), null, { 'c-jp': 'nrt', 'c-jp/ipv6': 'fra', 'c-de': 'fra', 'c-de/ipv6': null });
    expect(ev.catchment.find((c) => c.client === 'c-jp')).toEqual({
      client: 'c-jp',
      pop: 'nrt',
      expected: 'nrt',
      colour: colours.nrt,
      ipv6: { pop: 'fra', expected: 'fra', colour: colours.fra },
    });
    expect(ev.catchment.find((c) => c.client === 'c-de')?.ipv6).toEqual({ pop: null, expected: 'fra', colour: NO_POP_COLOUR });
    const v4 = buildEvent(defaultIpv4Lab(), 1, new Date(), null, { 'c-de': 'fra', 'c-de/ipv6': 'iad' });
    expect(v4.catchment.every((c) => !('ipv6' in c))).toBe(true);
  });

  it('a PoP whose container is not running announces nothing', async () => {
    const src = fakeDashboardSource(lab);
    src.nodeState.fra = 'exited';
    const ev = buildEvent(lab, 1, new Date(), await src.status(), null);
    expect(ev.pops.fra.announce).toBeNull();
    expect(ev.catchment.every((c) => c.pop === null)).toBe(true);
  });
});

describe('parseBgpPaths', () => {
  // Trimmed from FRR 10's `show bgp ipv4 unicast 192.0.2.0/24 json` on t-eu.
  const frr = {
    prefix: '192.0.2.0/24',
    paths: [
      {
        aspath: { string: '65020 64500', segments: [], length: 2 },
        origin: 'IGP',
        valid: true,
        localpref: 110,
        peer: { peerId: '10.77.0.42', routerId: '10.255.0.6', hostname: 't-us', type: 'external' },
        nexthops: [{ ip: '10.77.0.42', afi: 'ipv4', used: true }],
      },
      {
        aspath: { string: '64500', segments: [], length: 1 },
        origin: 'IGP',
        metric: 5,
        valid: true,
        localpref: 200,
        bestpath: { overall: true, selectionReason: 'Local Pref' },
        peer: { peerId: '10.77.0.2', routerId: '10.255.0.1', hostname: 'fra', type: 'external' },
        nexthops: [{ ip: '10.77.0.2', afi: 'ipv4', used: true }],
      },
    ],
  };
  it('puts the best path first, with why FRR chose it', () => {
    const lg = parseBgpPaths('t-eu', '192.0.2.0/24', frr);
    expect(lg.paths.map((p) => [p.asPath, p.best])).toEqual([
      ['64500', true],
      ['65020 64500', false],
    ]);
    expect(lg.paths[0]).toEqual({
      asPath: '64500',
      peer: '10.77.0.2',
      peerName: 'fra',
      nextHop: '10.77.0.2',
      localPref: 200,
      med: 5,
      origin: 'IGP',
      valid: true,
      best: true,
      reason: 'Local Pref',
    });
  });
  it.each([[{}], [{ warning: 'No such prefix' }], ['not json'], [null]])('no paths in %j', (json) => {
    expect(parseBgpPaths('t-eu', '192.0.2.0/24', json).paths).toEqual([]);
  });
  it('a locally originated path has an empty AS path and peer 0.0.0.0', () => {
    const lg = parseBgpPaths('fra', '192.0.2.0/24', { paths: [{ aspath: { string: '' }, valid: true, bestpath: { overall: true }, peer: {} }] });
    expect(lg.paths[0]).toMatchObject({ asPath: '', peer: '0.0.0.0', best: true, localPref: null });
  });
});

describe('dashboard server (fake source)', () => {
  it('serves the page, its script and cytoscape from the package', async () => {
    const app = dashboardApp(fakeDashboardSource(lab), { control: false });
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/style.css', 'text/css'],
      ['/vendor/cytoscape.min.js', 'text/javascript'],
    ]) {
      const r = await app.request(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toContain(type);
    }
    expect(await (await app.request('/')).text()).not.toMatch(/https?:\/\//);
  });

  it('gives the topology, and the looking glass with a 400 naming a bad router', async () => {
    const app = dashboardApp(fakeDashboardSource(lab), { control: false });
    const topo = await (await app.request('/api/topology')).json();
    expect(topo).toMatchObject({ lab: 'default', prefix: '192.0.2.0/24', control: false });
    expect(topo.routers).toHaveLength(lab.routers.length);
    const lg = await app.request('/api/lg/t-eu');
    expect((await lg.json()).paths[0].best).toBe(true);
    const bad = await app.request('/api/lg/nope');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('"nope"');
  });

  it('refuses actions unless started with --control, and runs setDrain with it', async () => {
    const ro = fakeDashboardSource(lab);
    const r1 = await dashboardApp(ro, { control: false }).request('/api/pops/fra/withdraw', { method: 'POST' });
    expect(r1.status).toBe(403);
    expect((await r1.json()).error).toContain('--control');
    expect(ro.drainCalls).toEqual([]);

    const rw = fakeDashboardSource(lab);
    const app = dashboardApp(rw, { control: true });
    expect((await app.request('/api/pops/fra/withdraw', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/api/pops/fra/announce', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/api/pops/fra/explode', { method: 'POST' })).status).toBe(404);
    expect(rw.drainCalls).toEqual([
      { pop: 'fra', drained: true },
      { pop: 'fra', drained: false },
    ]);
  });

  it('refuses a change sent by another site’s page (Origin, Sec-Fetch-Site), accepts its own page and tools without those headers', async () => {
    const rw = fakeDashboardSource(lab);
    const app = dashboardApp(rw, { control: true });
    const post = (headers: Record<string, string>) => app.request('http://127.0.0.1:8080/api/pops/fra/withdraw', { method: 'POST', headers });
    const evil = await post({ origin: 'https://example.org' });
    expect(evil.status).toBe(403);
    expect((await evil.json()).error).toContain('another site');
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect(rw.drainCalls).toEqual([]);
    expect((await post({ origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await post({})).status).toBe(200);
    expect(rw.drainCalls).toHaveLength(2);
    // Reads are not changes: any page may still GET (the page is read-only without --control anyway).
    expect((await app.request('http://127.0.0.1:8080/api/topology', { headers: { origin: 'https://example.org' } })).status).toBe(200);
  });

  it('breaks and restores a PoP with a fault mode only with --control, and says so in the event', async () => {
    const ro = fakeDashboardSource(lab);
    const r1 = await dashboardApp(ro, { control: false }).request('/api/pops/fra/break/freeze', { method: 'POST' });
    expect(r1.status).toBe(403);
    expect(ro.faultCalls).toEqual([]);

    const rw = fakeDashboardSource(lab);
    const app = dashboardApp(rw, { control: true });
    const topo = await (await app.request('/api/topology')).json();
    expect(topo.faultModes.map((m: { name: string }) => m.name)).toEqual(['cut', 'silent', 'freeze', 'kill', 'bgp', 'service', 'throttle']);
    expect((await app.request('/api/pops/fra/break/freeze', { method: 'POST' })).status).toBe(200);
    const ev = buildEvent(lab, 1, new Date(), await rw.status(), await rw.catchment(), [], rw.faults());
    expect(ev.pops.fra).toMatchObject({ broken: 'freeze' });
    expect(ev.pops.iad).toMatchObject({ broken: null });
    expect(ev.nodes.fra).toBe('paused');
    const bad = await app.request('/api/pops/fra/break/explode', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/unknown fault mode "explode"; supported: cut, silent, freeze/);
    expect((await app.request('/api/pops/fra/restore/freeze', { method: 'POST' })).status).toBe(200);
    expect(rw.faultCalls).toEqual([
      { pop: 'fra', mode: 'freeze', broken: true },
      { pop: 'fra', mode: 'freeze', broken: false },
    ]);
    expect(rw.faults()).toEqual({});
  });

  it('a dual-stack lab’s break may hit one family, checked as `break --family` checks it; an [ipv4] lab offers no choice', async () => {
    const dual = loadLabFile(join(REPO_ROOT, 'labs', 'dual-stack.yaml'));
    const rw = fakeDashboardSource(dual);
    const app = dashboardApp(rw, { control: true });
    const post = (path: string) => app.request(path, { method: 'POST' });
    const modes = (await (await app.request('/api/topology')).json()).faultModes as { name: string; perFamily?: boolean }[];
    expect(modes.filter((m) => m.perFamily).map((m) => m.name)).toEqual(['silent', 'service']);

    expect((await post('/api/pops/fra/break/service?family=ipv6')).status).toBe(200);
    expect(rw.faultCalls).toEqual([{ pop: 'fra', mode: 'service', broken: true, family: 'ipv6' }]);
    const ev = buildEvent(dual, 1, new Date(), await rw.status(), await rw.catchment(), [], rw.faults());
    expect(ev.pops.fra).toMatchObject({ broken: 'service', brokenFamily: 'ipv6' });
    expect(ev.pops.iad).not.toHaveProperty('brokenFamily');
    // The failover panel names the aim when it refuses to run beside the break.
    const run = await app.request('/api/failover', { method: 'POST', body: JSON.stringify({ pop: 'fra', mode: 'freeze', trials: 1 }) });
    expect((await run.json()).error).toMatch(/^fra is broken \(service, ipv6 only\) from its card/);
    // A restore undoes every family: a family in its URL is not passed on.
    expect((await post('/api/pops/fra/restore/service?family=ipv6')).status).toBe(200);
    expect(rw.faultCalls[1]).toEqual({ pop: 'fra', mode: 'service', broken: false });
    // both (or none): the PoP as a whole.
    expect((await post('/api/pops/iad/break/silent?family=both')).status).toBe(200);
    expect(rw.faultCalls[2]).toEqual({ pop: 'iad', mode: 'silent', broken: true });
    expect(buildEvent(dual, 2, new Date(), null, null, [], rw.faults()).pops.iad).toMatchObject({ broken: 'silent' });
    expect(buildEvent(dual, 2, new Date(), null, null, [], rw.faults()).pops.iad).not.toHaveProperty('brokenFamily');

    const refused = async (path: string, message: string | RegExp) => {
      const r = await post(path);
      expect(r.status, path).toBe(400);
      expect((await r.json()).error).toMatch(message);
    };
    await refused('/api/pops/nrt/break/freeze?family=ipv6', 'fault mode "freeze" hits every family at once; --family works with silent, service');
    await refused('/api/pops/nrt/break/service?family=ipv5', 'Expected `family` to be ipv4, ipv6 or both, got "ipv5"');
    expect(rw.faultCalls).toHaveLength(3);

    const v4 = fakeDashboardSource(defaultIpv4Lab());
    const app4 = dashboardApp(v4, { control: true });
    const modes4 = (await (await app4.request('/api/topology')).json()).faultModes as object[];
    expect(modes4.filter((m) => 'perFamily' in m)).toEqual([]);
    const r = await app4.request('/api/pops/fra/break/service?family=ipv6', { method: 'POST' });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toBe('lab "default" runs ipv4 only: --family ipv6 needs a dual-stack lab (families: [ipv4, ipv6])');
    expect(v4.faultCalls).toEqual([]);
  });

  it('reads the catchment on its own interval and publishes only when a row changed', async () => {
    const src = fakeDashboardSource(lab);
    let statusCalls = 0;
    const status = src.status.bind(src);
    src.status = () => {
      statusCalls++;
      return status();
    };
    const app = dashboardApp(src, { control: false, intervalMs: 10_000, catchmentIntervalMs: 20 });
    const sse = await listen<{ catchment: { client: string; pop: string | null }[] }>(app, 'snapshot');
    const events = sse.events;
    await new Promise((res) => setTimeout(res, 300));
    // One status read, many catchment reads, one event: nothing changed.
    expect(statusCalls).toBe(1);
    expect(src.catchmentCalls).toBeGreaterThan(5);
    expect(events).toHaveLength(1);
    src.catchmentNow['c-de'] = 'iad';
    await new Promise((res) => setTimeout(res, 100));
    expect(events).toHaveLength(2);
    expect(events[1].catchment.find((c) => c.client === 'c-de')?.pop).toBe('iad');
    await sse.close();
  });

  it('streams snapshots only while someone listens', async () => {
    const src = fakeDashboardSource(lab);
    const app = dashboardApp(src, { control: false, intervalMs: 50 });
    expect(src.catchmentCalls).toBe(0);
    const ac = new AbortController();
    const r = await app.request('/events', { signal: ac.signal });
    const reader = r.body!.getReader();
    const { value } = await reader.read();
    const text = new TextDecoder().decode(value);
    expect(text).toContain('event: snapshot');
    const ev = JSON.parse(/data: (.*)/.exec(text)![1]);
    expect(ev.catchment).toHaveLength(lab.clients.length);
    await reader.cancel();
    ac.abort();
    await new Promise((res) => setTimeout(res, 200));
    const calls = src.catchmentCalls;
    await new Promise((res) => setTimeout(res, 200));
    expect(src.catchmentCalls).toBe(calls);
  });
});

describe('failover panel: request checks', () => {
  const pops = ['fra', 'iad', 'nrt', 'gru'];
  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{ mode: 'freeze' }, /`pop` to be one of the PoPs \(fra, iad, nrt, gru\), got null/],
    [{ pop: 't-eu', mode: 'freeze' }, /`pop`.*got "t-eu"/],
    [{ pop: 'fra', mode: 'explode' }, /`mode` to be a fault mode \(cut, silent, freeze/],
    [{ pop: 'fra', mode: 'freeze', trials: 0 }, /`trials` to be an integer from 1 to 5, got 0/],
    [{ pop: 'fra', mode: 'freeze', trials: 6 }, /`trials`.*got 6/],
    [{ pop: 'fra', mode: 'freeze', trials: 1.5 }, /`trials`.*got 1.5/],
    [{ pop: 'fra', mode: 'freeze', trials: '2' }, /`trials`.*got "2"/],
  ])('%j is refused', (body, msg) => {
    expect(() => parseRunRequest(body, pops)).toThrow(msg);
  });
  it('defaults to one trial', () => {
    expect(parseRunRequest({ pop: 'fra', mode: 'freeze' }, pops)).toEqual({ pop: 'fra', mode: 'freeze', trials: 1 });
  });
});

describe('failover panel: list entries', () => {
  const row = (client: string, affected: boolean, status: string, failoverMs: number | null) => ({ client, affected, status, failoverMs });
  it('gives each mover its failover per trial, and the others unmoved or their verdict', () => {
    const r = {
      trials: [
        { clients: [row('c-de', true, 'moved', 412.4), row('c-us', false, 'stayed-ok', null), row('c-jp', false, 'collateral', null)] },
        { clients: [row('c-de', true, 'not-moved', null), row('c-us', false, 'stayed-ok', null), row('c-jp', false, 'stayed-ok', null)] },
      ],
    } as unknown as FailoverResult;
    expect(runClients(r)).toEqual([
      { client: 'c-de', affected: true, failoverMs: [412.4, null], text: 'c-de 412 ms, not-moved' },
      { client: 'c-us', affected: false, failoverMs: [], text: 'c-us unmoved' },
      { client: 'c-jp', affected: false, failoverMs: [], text: 'c-jp collateral' },
    ]);
  });
  it('reads a CLI run from disk: links to its result and report', () => {
    const r = JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'results', 'failover-run-2026-12-01T00-01Z.json'), 'utf8')) as FailoverResult;
    const e = finishedEntry('failover-2026-01-01T00-00-00Z', r, { origin: 'disk', hasReport: true });
    expect(e).toMatchObject({ pop: 'fra', fault: 'freeze', trials: 10, state: 'done', origin: 'disk' });
    expect(e.result).toBe('/api/failover/runs/failover-2026-01-01T00-00-00Z/result.json');
    expect(e.report).toBe('/api/failover/runs/failover-2026-01-01T00-00-00Z/report.html');
    expect(e.clients.find((c) => c.client === 'c-de')?.text).toMatch(/^c-de \d+ ms(, \d+ ms){9}$/);
    // An [ipv4] run has no fault family; a dual-stack run's entry carries the one its result names.
    expect(e).not.toHaveProperty('faultFamily');
    const aimed = finishedEntry('failover-2026-01-01T00-00-01Z', { ...r, faultFamily: 'ipv6' }, { origin: 'disk', hasReport: true });
    expect(aimed).toMatchObject({ fault: 'freeze', faultFamily: 'ipv6' });
  });
});

describe('timeline of a trial still running', () => {
  const samples = (client: string, pops: (string | null)[]): Sample[] =>
    pops.map((pop, i) => ({ client, kind: 'udp-dns', seq: i, sentMs: i * 10, recvMs: i * 10 + 2, outcome: pop ? 'ok' : 'timeout', ...(pop ? { pop } : {}) }));
  it('has no fault line and no verdict before the fault, and says where each client is now', () => {
    const svg = renderTimeline({
      title: 't',
      clients: [{ client: 'c-de', samples: samples('c-de', ['fra', 'fra']) }],
      startMs: 0,
      endMs: 100,
      verdicts: false,
    });
    expect(svg).not.toContain('data-marker="fault"');
    expect(svg).toContain('data-now="fra"');
    expect(svg).not.toContain('data-status');
    expect(svg).toContain('time since the first probe');
  });
  it('marks fault and restore, and still no verdict while it runs', () => {
    const svg = renderTimeline({
      title: 't',
      clients: [{ client: 'c-de', samples: samples('c-de', ['fra', 'fra', null, 'iad', 'iad']) }],
      faultMs: 15,
      restoreMs: 45,
      startMs: 0,
      endMs: 50,
      verdicts: false,
    });
    expect(svg).toContain('data-marker="fault"');
    expect(svg).toContain('data-marker="restore"');
    expect(svg).toContain('data-now="iad"');
    expect(svg).toContain('<title>pop iad: 2 probes</title>');
  });
});

describe('failover panel (server, fake source)', () => {
  const post = (app: Hono, body: unknown) =>
    app.request('/api/failover', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const list = async (app: Hono) => (await app.request('/api/failover')).json() as Promise<{ running: string | null; runs: RunEntry[] }>;
  const settled = async (app: Hono) => {
    for (let i = 0; i < 200; i++) {
      const l = await list(app);
      if (!l.running) return l;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('the run never ended');
  };
  const quick = (src: FakeDashboardSource) => {
    src.failoverTiming = { beforeMs: 60, faultMs: 120, afterMs: 60, moveMs: 40 };
    return src;
  };

  it('is read-only without --control (403), and still lists past runs', async () => {
    const src = fakeDashboardSource(lab);
    const dir = join(src.runsDir, 'failover-2026-01-01T00-00-00Z');
    mkdirSync(dir);
    copyFileSync(join(REPO_ROOT, 'bench', 'results', 'failover-run-2026-12-01T00-01Z.json'), join(dir, 'result.json'));
    const app = dashboardApp(src, { control: false });
    const r = await post(app, { pop: 'fra', mode: 'freeze' });
    expect(r.status).toBe(403);
    expect((await r.json()).error).toContain('--control');
    expect((await app.request('/api/failover/stop', { method: 'POST' })).status).toBe(403);
    expect(src.failoverCalls).toEqual([]);
    const l = await list(app);
    expect(l.runs.map((e) => [e.id, e.origin, e.report])).toEqual([['failover-2026-01-01T00-00-00Z', 'disk', null]]);
  });

  it('refuses a bad request with 400 naming the field, and a body that is not JSON', async () => {
    const app = dashboardApp(fakeDashboardSource(lab), { control: true });
    for (const [body, field] of [
      [{ pop: 'lhr', mode: 'freeze' }, '`pop`'],
      [{ pop: 'fra', mode: 'melt' }, '`mode`'],
      [{ pop: 'fra', mode: 'freeze', trials: 9 }, '`trials`'],
    ] as const) {
      const r = await post(app, body);
      expect(r.status).toBe(400);
      expect((await r.json()).error).toContain(field);
    }
    const r = await app.request('/api/failover', { method: 'POST', body: 'fra please' });
    expect(r.status).toBe(400);
    expect(await r.text()).not.toMatch(/at .*\.ts:\d+/);
  });

  it('runs one at a time (409 naming the running one), refuses the cards meanwhile, lists it, and serves its result JSON', async () => {
    const src = quick(fakeDashboardSource(lab));
    const app = dashboardApp(src, { control: true });
    const r = await post(app, { pop: 'fra', mode: 'freeze', trials: 2 });
    expect(r.status).toBe(202);
    const started = (await r.json()) as RunEntry;
    expect(started).toMatchObject({ pop: 'fra', fault: 'freeze', trials: 2, state: 'running', origin: 'dashboard' });
    const again = await post(app, { pop: 'iad', mode: 'cut' });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toContain(`already running: ${started.id} (freeze fra, 2 trials)`);
    const card = await app.request('/api/pops/iad/break/cut', { method: 'POST' });
    expect(card.status).toBe(409);
    expect((await card.json()).error).toContain(started.id);
    expect((await app.request('/api/pops/iad/withdraw', { method: 'POST' })).status).toBe(409);
    expect(src.faultCalls).toEqual([]);

    const l = await settled(app);
    expect(src.failoverCalls).toEqual([{ pop: 'fra', mode: 'freeze', trials: 2 }]);
    const e = l.runs.find((x) => x.id === started.id)!;
    expect(e).toMatchObject({ state: 'done', trials: 2, error: null });
    expect(e.clients.find((c) => c.client === 'c-de')).toMatchObject({ affected: true, text: expect.stringMatching(/^c-de \d+ ms, \d+ ms$/) });
    expect(e.clients.find((c) => c.client === 'c-us')?.text).toBe('c-us unmoved');

    const dl = await app.request(e.result!);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${started.id}-result.json"`);
    expect(JSON.parse(await dl.text())).toMatchObject({ pop: 'fra', fault: 'freeze' });
    const html = await app.request(e.report!);
    expect(html.headers.get('content-type')).toContain('text/html');
    for (const bad of ['failover-nope', '..%2F..%2Fetc', 'other-dir']) expect((await app.request(`/api/failover/runs/${bad}/result.json`)).status).toBe(404);
    // Free again: the cards work, a second run starts.
    expect((await app.request('/api/pops/iad/withdraw', { method: 'POST' })).status).toBe(200);
    expect((await post(app, { pop: 'iad', mode: 'cut' })).status).toBe(202);
    const l2 = await settled(app);
    expect(l2.runs.map((x) => x.pop)).toEqual(['iad', 'fra']);
    expect(new Set(l2.runs.map((x) => x.id)).size).toBe(2);
  });

  it('refuses a run while a PoP is broken from its card', async () => {
    const src = fakeDashboardSource(lab);
    const app = dashboardApp(src, { control: true });
    expect((await app.request('/api/pops/nrt/break/silent', { method: 'POST' })).status).toBe(200);
    const r = await post(app, { pop: 'fra', mode: 'freeze' });
    expect(r.status).toBe(409);
    expect((await r.json()).error).toMatch(/nrt is broken \(silent\) from its card: restore it first/);
    expect(src.failoverCalls).toEqual([]);
  });

  it('stops a run from the page: the fault is restored and the list says stopped', async () => {
    const src = fakeDashboardSource(lab);
    src.failoverTiming = { beforeMs: 50, faultMs: 60_000, afterMs: 50, moveMs: 20 };
    const app = dashboardApp(src, { control: true });
    expect((await app.request('/api/failover/stop', { method: 'POST' })).status).toBe(404);
    expect((await post(app, { pop: 'fra', mode: 'freeze' })).status).toBe(202);
    await new Promise((res) => setTimeout(res, 150));
    expect((await app.request('/api/failover/stop', { method: 'POST' })).status).toBe(200);
    const l = await settled(app);
    expect(l.runs[0]).toMatchObject({ state: 'stopped', result: null, error: expect.stringContaining('restored') });
  });

  it('streams the run as `failover` events: a row per client, fault and restore marked, then done', async () => {
    const src = quick(fakeDashboardSource(lab));
    const app = dashboardApp(src, { control: true, intervalMs: 10_000 });
    const sse = await listen<FailoverLiveView>(app, 'failover');
    const views = sse.events;
    expect((await post(app, { pop: 'fra', mode: 'freeze' })).status).toBe(202);
    await settled(app);
    await new Promise((res) => setTimeout(res, 100));
    await sse.close();
    expect(views[0]).toMatchObject({ state: 'running', pop: 'fra', mode: 'freeze', trials: 1 });
    const faulted = views.find((v) => v.marks.fault && !v.marks.restore && v.svg);
    expect(faulted?.svg).toContain('data-marker="fault"');
    const last = views.at(-1)!;
    expect(last).toMatchObject({ state: 'done', marks: { fault: true, restore: true } });
    for (const c of lab.clients) expect(last.svg).toContain(`data-client="${c.name}"`);
    expect(last.svg).toMatch(/data-client="c-de" data-status="moved"/);
  });
});

/** Reads /events of `app` in the background: the data of every `event` message, until close(). */
async function listen<T>(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, event: string) {
  const ac = new AbortController();
  const reader = (await app.request('/events', { signal: ac.signal })).body!.getReader();
  const events: T[] = [];
  const re = new RegExp(`event: ${event}\\ndata: (.*)\\n`, 'g');
  const pump = (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += new TextDecoder().decode(value);
      for (const m of buf.matchAll(re)) events.push(JSON.parse(m[1]));
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    }
  })();
  return {
    events,
    close: async () => {
      await reader.cancel();
      ac.abort();
      await pump;
    },
  };
}
