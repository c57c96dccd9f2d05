// When has a live change settled, and what moved: polls in, verdict out.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyRequest } from '../../src/lab/policy-overrides.js';
import { type Catchment, type CatchmentPoll, catchmentRows, familyCatchmentRows, renderChangeReport, settle } from '../../src/policy/catchment.js';
import { applyPolicy, checkAnycastRouter, resetAll, setDrain } from '../../src/policy/live-policy.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { LABEL } from '../../src/runtime/labels.js';
import { loadLabFile } from '../../src/topology/load.js';
import { FakeRuntime } from './support/fake-runtime.js';

const US_IAD: Catchment = { 'c-de': 'fra', 'c-us': 'iad' };
const US_GRU: Catchment = { 'c-de': 'fra', 'c-us': 'gru' };
const US_NONE: Catchment = { 'c-de': 'fra', 'c-us': null };
const O = { quietMs: 1000, minWatchMs: 2000 };

/** One poll every 250 ms from t=250: 'i' = c-us on iad, 'g' = on gru, '-' = no answer. */
const polls = (s: string): CatchmentPoll[] => [...s].map((c, i) => ({ atMs: (i + 1) * 250, catchment: c === 'i' ? US_IAD : c === 'g' ? US_GRU : US_NONE }));

describe('settle', () => {
  it.each<[string, string, ReturnType<typeof settle>]>([
    ['moved on the 2nd poll and stayed', 'igggggggg', { final: US_GRU, shiftMs: 500 }],
    ['too early: under minWatch', 'gggggg', undefined],
    ['nothing moved, watched long enough', 'iiiiiiii', { final: US_IAD, shiftMs: null }],
    ['still moving at the end', 'iiiiiiig', undefined],
    ['final run shorter than quietMs', 'iiiiiiggg', undefined],
    ['a gap in answers, then the new PoP', 'i--gggggggg', { final: US_GRU, shiftMs: 1000 }],
    ['moved and came back: the time of the return', 'iggiiiiiiii', { final: US_IAD, shiftMs: 1000 }],
  ])('%s: %s', (_name, s, want) => {
    expect(settle(US_IAD, polls(s), O)).toEqual(want);
  });

  it('needs two polls even with no quiet window', () => {
    expect(settle(US_IAD, polls('g'), { quietMs: 0, minWatchMs: 0 })).toBeUndefined();
    expect(settle(US_IAD, polls('gg'), { quietMs: 0, minWatchMs: 0 })).toEqual({ final: US_GRU, shiftMs: 250 });
  });
});

describe('catchmentRows and the table', () => {
  it('marks each client that moved', () => {
    expect(catchmentRows(US_IAD, US_GRU)).toEqual([
      { client: 'c-de', before: 'fra', after: 'fra', moved: false },
      { client: 'c-us', before: 'iad', after: 'gru', moved: true },
    ]);
  });

  it('prints client | before | after | moved? and the time', () => {
    const text = renderChangeReport({
      lab: 'default',
      change: 'iad → t-us: prepend 3',
      applied: [{ node: 'iad', commands: ['configure terminal'] }],
      catchment: catchmentRows(US_IAD, US_GRU),
      shiftMs: 420,
      settled: true,
      polls: 6,
      pollEveryMs: 300,
      notes: [],
    });
    expect(text).toBe(
      [
        'lab default: iad → t-us: prepend 3',
        '  iad# configure terminal',
        '',
        'client  before  after  moved?',
        'c-de    fra     fra',
        'c-us    iad     gru    MOVED',
        '',
        '1 of 2 clients moved; catchment final 420 ms after the change (polled 6× every ~300 ms)',
      ].join('\n'),
    );
  });
});

describe('a dual-stack catchment: per family', () => {
  // `break fra service --family ipv6`: IPv4 stays, c-de's IPv6 moves to iad.
  const before: Catchment = { 'c-de': 'fra', 'c-de/ipv6': 'fra', 'c-us': 'iad', 'c-us/ipv6': 'iad' };
  const after: Catchment = { 'c-de': 'fra', 'c-de/ipv6': 'iad', 'c-us': 'iad', 'c-us/ipv6': 'iad' };
  const report = (catchment: ReturnType<typeof familyCatchmentRows>, shiftMs: number | null) => ({
    lab: 'dual',
    change: 'break fra: service (ipv6 only)',
    applied: [{ node: 'fra', commands: ['fault service (ipv6 only): inject'] }],
    catchment,
    shiftMs,
    settled: true,
    polls: 8,
    pollEveryMs: 300,
    notes: [],
  });

  it('a row per client per family; one family keeps today’s rows', () => {
    expect(familyCatchmentRows(before, after, ['ipv4', 'ipv6'])).toEqual([
      { client: 'c-de', family: 'ipv4', before: 'fra', after: 'fra', moved: false },
      { client: 'c-de', family: 'ipv6', before: 'fra', after: 'iad', moved: true },
      { client: 'c-us', family: 'ipv4', before: 'iad', after: 'iad', moved: false },
      { client: 'c-us', family: 'ipv6', before: 'iad', after: 'iad', moved: false },
    ]);
    expect(familyCatchmentRows(US_IAD, US_GRU, ['ipv4'])).toEqual(catchmentRows(US_IAD, US_GRU));
  });

  it('an IPv6-only move is reported as one, with IPv4 untouched', () => {
    expect(renderChangeReport(report(familyCatchmentRows(before, after, ['ipv4', 'ipv6']), 610))).toBe(
      [
        'lab dual: break fra: service (ipv6 only)',
        '  fra# fault service (ipv6 only): inject',
        '',
        'client  family  before  after  moved?',
        'c-de    ipv4    fra     fra',
        'c-de    ipv6    fra     iad    MOVED',
        'c-us    ipv4    iad     iad',
        'c-us    ipv6    iad     iad',
        '',
        'ipv4: no client moved, ipv6: 1 of 2 clients moved; catchment final 610 ms after the change (polled 8× every ~300 ms)',
      ].join('\n'),
    );
  });
});

// The live half on a fake runtime: a lab whose BGP is a variable. The default
// lab is dual-stack: the catchment is asked per family (dig at dns or dns6).
const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const progress = { step: () => undefined };
const fast = { progress, settle: { quietMs: 0, minWatchMs: 0 }, pollEveryMs: 1, timeoutMs: 2000 };

function fakeLab() {
  const world = { iadPrepend: 0, drained: new Set<string>() };
  let running = renderRouter(lab, 'iad')['frr.conf'];
  const rt = new FakeRuntime({
    onExec: (container, cmd) => {
      const node = container.replace(`al-${lab.name}-`, '');
      const line = cmd.join(' ');
      if (cmd[0] === 'dig') {
        // The prepend this fake models is on iad's IPv4 session (TO-t-us): it moves c-us's IPv4 answer only. A drain withdraws both prefixes.
        const v6 = cmd.includes(`@${lab.anycast.ipv6!.dnsAddress}`);
        const pop = node === 'c-us' ? (world.iadPrepend && !v6 ? 'gru' : 'iad') : node === 'c-de' ? (world.drained.has('fra') ? 'iad' : 'fra') : 'nrt';
        return { stdout: `"${pop}"\n` };
      }
      if (cmd[0] === 'vtysh' && line.includes('show running-config')) return { stdout: running };
      if (cmd[0] === 'vtysh') {
        const m = /set as-path prepend ((?:\d+ ?)+)/.exec(line);
        if (m) running = running.replace('OUT-t-us\n', `OUT-t-us\n set as-path prepend ${m[1].trim()}\n`);
        if (line.includes('no set as-path prepend')) running = running.replace(/ set as-path prepend [\d ]+\n/, '');
        world.iadPrepend = (/ set as-path prepend ([\d ]+)\n/.exec(running)?.[1].split(' ').length ?? 0) as number;
        return {};
      }
      if (line.includes('cat /etc/frr/frr.conf')) {
        const r = node === 'iad' ? running : renderRouter(lab, node)['frr.conf'];
        return { stdout: `${renderRouter(lab, node)['frr.conf']}@@anycast-lab-running@@${r}` };
      }
      if (line.includes('touch /run/anycast-lab/drain')) world.drained.add(node);
      if (line.includes('rm -f /run/anycast-lab/drain')) world.drained.delete(node);
      if (line.includes('test -e /run/anycast-lab/drain')) {
        const d = world.drained.has(node);
        const health = JSON.stringify({ state: d ? 'withdrawn' : 'announced', phase: 'healthy', drained: d });
        return { stdout: `${d ? 'drained\n' : ''}${line.includes('health.json') ? `@@${health}` : ''}` };
      }
      return {};
    },
  });
  for (const n of [...lab.routers, ...lab.clients])
    rt.addContainer({ name: `al-${lab.name}-${n.name}`, labels: { [LABEL.lab]: lab.name, [LABEL.node]: n.name } });
  return { rt, world };
}

describe('live policy on a fake lab', () => {
  it('prepend on iad moves c-us to gru, with a soft clear and no session reset', async () => {
    const { rt } = fakeLab();
    const r = await applyPolicy(rt, lab, parsePolicyRequest(lab, 'iad', 't-us', 'prepend', '3'), fast);
    expect(r.catchment.filter((c) => c.client === 'c-us')).toEqual([
      { client: 'c-us', family: 'ipv4', before: 'iad', after: 'gru', moved: true },
      { client: 'c-us', family: 'ipv6', before: 'iad', after: 'iad', moved: false },
    ]);
    expect(r.settled).toBe(true);
    expect(r.applied[0].commands.at(-1)).toBe('clear bgp ipv4 unicast 10.77.0.11 soft out');
    // An IPv4 request on a dual-stack lab leaves the IPv6 session alone: no TO6- route-map, no IPv6 clear.
    expect(r.applied[0].commands.filter((c) => /6-|ipv6/.test(c))).toEqual([]);
    expect(rt.execs('al-default-iad').filter((c) => /clear bgp/.test(c) && !/soft/.test(c))).toEqual([]);
  });

  it('withdraw drains via the marker; reset-all undoes prepend and drain', async () => {
    const { rt, world } = fakeLab();
    await applyPolicy(rt, lab, parsePolicyRequest(lab, 'iad', 't-us', 'prepend', '2'), fast);
    const w = await setDrain(rt, lab, 'fra', true, fast);
    expect(w.catchment.filter((c) => c.client === 'c-de')).toEqual(
      lab.families.map((family) => ({ client: 'c-de', family, before: 'fra', after: 'iad', moved: true })),
    );
    expect(world.drained.has('fra')).toBe(true);
    const again = await setDrain(rt, lab, 'fra', true, fast);
    expect(again.applied).toEqual([]);
    expect(again.notes[0]).toMatch(/already drained/);
    const r = await resetAll(rt, lab, fast);
    expect(r.change).toMatch(/reset 2 overrides.*iad → t-us prepend 2.*fra drained/);
    expect(world).toEqual({ iadPrepend: 0, drained: new Set() });
    // The drain moved c-de in both families, the IPv4 prepend c-us over IPv4 only: undoing them moves those back.
    expect(r.catchment.filter((c) => c.moved).map((c) => `${c.client}/${c.family}`)).toEqual(['c-de/ipv4', 'c-de/ipv6', 'c-us/ipv4']);
  });

  it('announce/withdraw only on routers that serve anycast', () => {
    expect(() => checkAnycastRouter(lab, 't-us')).toThrow(
      /t-us does not announce the anycast prefix \(it is a transit\); announce\/withdraw act on fra, iad, nrt, gru/,
    );
    expect(() => checkAnycastRouter(lab, 'xyz')).toThrow(/unknown router "xyz"/);
    expect(checkAnycastRouter(lab, 'fra').name).toBe('fra');
  });
});
