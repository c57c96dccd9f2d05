// The dashboard's live catchment: each client's row is its newest *sent*
// probe that resolved, so a late timeout from a frozen PoP never hides the
// backup's answer; the agents start on the first read, stop on close, and
// start again after they ended. The default lab is dual-stack: each agent
// probes both families, and every client has an IPv4 and an IPv6 row.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { monoMs, type Sample, type SampleFamily } from '../../src/contract/sample.js';
import { catchmentStream, newestAnswer } from '../../src/probe/catchment-stream.js';
import { familyKey } from '../../src/probe/who.js';
import type { ContainerRuntime, ExecResult } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));

const udp = (seq: number, sentMs: number, pop: string | null, client = 'c-de'): Sample =>
  pop ? { client, kind: 'udp-dns', seq, sentMs, recvMs: sentMs + 1, pop, outcome: 'ok' } : { client, kind: 'udp-dns', seq, sentMs, outcome: 'timeout' };

describe('newestAnswer', () => {
  it('takes the highest seq that resolved, not the last to arrive', () => {
    // fra froze: seq 5 and 6 time out 1 s later, after seq 7 and 8 were answered by iad.
    const arrived = [udp(4, 400, 'fra'), udp(7, 700, 'iad'), udp(8, 800, 'iad'), udp(5, 500, null), udp(6, 600, null)];
    expect(newestAnswer(arrived, 0)).toBe('iad');
  });

  it('is null when the newest probe was lost, undefined when nothing is newer than the cut-off', () => {
    expect(newestAnswer([udp(1, 100, 'fra'), udp(2, 200, null)], 0)).toBeNull();
    expect(newestAnswer([udp(1, 100, 'fra')], 150)).toBeUndefined();
    expect(newestAnswer([], 0)).toBeUndefined();
  });

  it('ignores other probe kinds', () => {
    const tcp: Sample = { client: 'c-de', kind: 'tcp-dns', seq: 99, sentMs: 900, pop: 'gru', outcome: 'ok' };
    expect(newestAnswer([udp(1, 100, 'fra'), tcp], 0)).toBe('fra');
  });

  it('reads one family of a dual-stack agent: each numbers its own probes', () => {
    // c-jp: nrt over IPv4, fra over IPv6; the IPv6 probe with the higher seq must not turn the IPv4 row.
    const v4 = (seq: number, pop: string): Sample => ({ ...udp(seq, seq * 100, pop, 'c-jp'), family: 'ipv4' });
    const v6 = (seq: number, pop: string): Sample => ({ ...udp(seq, seq * 100, pop, 'c-jp'), family: 'ipv6' });
    const arrived = [v4(1, 'nrt'), v6(1, 'fra'), v4(2, 'nrt'), v6(2, 'fra'), v6(3, 'fra')];
    expect(newestAnswer(arrived, 0)).toBe('nrt');
    expect(newestAnswer(arrived, 0, 'ipv6')).toBe('fra');
  });
});

function fakeRuntime() {
  const agents = new Map<string, { stdout: PassThrough; end: (code: number) => void; config: Record<string, unknown> }>();
  let starts = 0;
  const rt = {
    async execStream(id: string, cmd: string[]) {
      starts++;
      const stdout = new PassThrough();
      let end!: (code: number) => void;
      const done = new Promise<number>((r) => (end = r));
      agents.set(id, { stdout, end, config: JSON.parse(cmd[2]) });
      return { stdout, stderr: new PassThrough(), done };
    },
    async exec(id: string, cmd: string[]): Promise<ExecResult> {
      const a = agents.get(id);
      if (cmd[0] === 'pkill' && a) {
        a.stdout.end();
        a.end(0);
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  } as unknown as ContainerRuntime;
  // A dual-stack agent tags every sample with its family, and numbers each family's probes on its own.
  const answer = (client: string, seq: number, pop: string | null, family: SampleFamily = 'ipv4') =>
    agents.get(`al-default-${client}`)!.stdout.write(`${JSON.stringify({ ...udp(seq, monoMs(), pop, client), family })}\n`);
  return { rt, agents, answer, starts: () => starts };
}

describe('catchmentStream', () => {
  it('starts UDP-only agents on the first read, waits for every first answer, follows each client, stops on close', async () => {
    expect(lab.families).toEqual(['ipv4', 'ipv6']);
    const f = fakeRuntime();
    const stream = catchmentStream(f.rt, lab, { firstAnswerMs: 5_000 });
    const first = stream.read();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.agents.get('al-default-c-de')!.config).toMatchObject({ udpIntervalMs: 200, udpTimeoutMs: 1000, tcpIntervalMs: 0, httpIntervalMs: 0, streams: 0 });
    const pop6 = (c: (typeof lab.clients)[number]) => (c.expect6 ?? c.expect)!.pop;
    // IPv4 answers alone do not end the wait: every client's IPv6 row is still empty.
    for (const c of lab.clients) f.answer(c.name, 0, c.expect!.pop);
    await new Promise((r) => setTimeout(r, 100));
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    for (const c of lab.clients) f.answer(c.name, 0, pop6(c), 'ipv6');
    expect(await first).toEqual(
      Object.fromEntries(
        lab.clients.flatMap((c) => [
          [c.name, c.expect!.pop],
          [familyKey(c.name, 'ipv6'), pop6(c)],
        ]),
      ),
    );

    // Each family's row follows its own probes: c-de moves over IPv4 only, c-us loses IPv6 only.
    f.answer('c-de', 2, 'iad');
    f.answer('c-de', 1, null);
    f.answer('c-us', 1, null);
    f.answer('c-us', 1, null, 'ipv6');
    f.answer('c-jp', 1, 'gru', 'ipv6');
    await new Promise((r) => setImmediate(r));
    expect(await stream.read()).toMatchObject({
      'c-de': 'iad',
      'c-de/ipv6': pop6(lab.clients.find((c) => c.name === 'c-de')!),
      'c-us': null,
      'c-us/ipv6': null,
      'c-jp': 'nrt',
      'c-jp/ipv6': 'gru',
    });
    expect(f.starts()).toBe(lab.clients.length);

    await stream.close();
    // Ended agents: the next read starts them again.
    const again = stream.read();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.starts()).toBe(2 * lab.clients.length);
    for (const c of lab.clients) for (const fam of lab.families) f.answer(c.name, 0, 'gru', fam);
    expect(Object.values(await again)).toEqual(lab.clients.flatMap(() => lab.families.map(() => 'gru')));
    await stream.close();
  });
});
