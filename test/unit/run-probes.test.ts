import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { probeConfig, startProbes } from '../../src/probe/run-probes.js';
import type { ContainerRuntime, ExecResult } from '../../src/runtime/runtime.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const lab = defaultIpv4Lab();

function fakeRuntime() {
  const agents = new Map<string, { stdout: PassThrough; stderr: PassThrough; end: (code: number) => void; argv: string[] }>();
  const execs: { id: string; cmd: string[] }[] = [];
  const rt = {
    async execStream(id: string, cmd: string[]) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let end!: (code: number) => void;
      const done = new Promise<number>((r) => (end = r));
      agents.set(id, { stdout, stderr, end, argv: cmd });
      return { stdout, stderr, done };
    },
    async exec(id: string, cmd: string[]): Promise<ExecResult> {
      execs.push({ id, cmd });
      const a = agents.get(id);
      if (cmd[0] === 'pkill' && a) {
        const client = JSON.parse(a.argv[2]).client as string;
        a.stdout.write(`{"type":"summary","client":"${client}","samples":2}\n`);
        a.stdout.end();
        a.end(0);
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  } as unknown as ContainerRuntime;
  return { rt, agents, execs };
}

const line = (client: string, seq: number, pop = 'fra') =>
  `${JSON.stringify({ client, kind: 'udp-dns', seq, sentMs: 1000 + seq * 10, recvMs: 1002 + seq * 10, pop, outcome: 'ok' })}\n`;

describe('startProbes', () => {
  it('starts every client with the lab endpoints and a tag, parses across chunk cuts, stops by tag', async () => {
    const { rt, agents, execs } = fakeRuntime();
    const s = await startProbes(
      rt,
      lab,
      [
        { client: 'c-de', container: 'A' },
        { client: 'c-us', container: 'B' },
      ],
      { maxDurationMs: 60_000, rates: { udpIntervalMs: 20 } },
    );
    const cfg = JSON.parse(agents.get('A')!.argv[2]);
    expect(cfg).toMatchObject({
      client: 'c-de',
      run: s.runId,
      dns: { address: '192.0.2.53', port: 53 },
      stream: { address: '192.0.2.80', port: 7000 },
      durationMs: 60_000,
      udpIntervalMs: 20,
    });

    const two = line('c-de', 0) + line('c-de', 1);
    agents.get('A')!.stdout.write(two.slice(0, 17));
    agents.get('A')!.stdout.write(two.slice(17, 150));
    await new Promise((r) => setImmediate(r));
    expect(s.samples('c-de')).toHaveLength(1);
    agents.get('A')!.stdout.write(`${two.slice(150)}not json\n`);
    agents.get('B')!.stdout.write(line('c-us', 0, 'iad'));
    await new Promise((r) => setImmediate(r));
    expect(s.samples('c-de')).toHaveLength(2);

    const runs = await s.stop();
    expect(execs.filter((e) => e.cmd[0] === 'pkill').map((e) => e.cmd)).toEqual([
      ['pkill', '-TERM', '-f', s.runId],
      ['pkill', '-TERM', '-f', s.runId],
    ]);
    const de = runs.find((r) => r.client === 'c-de')!;
    expect(de).toMatchObject({ exitCode: 0, lostSamples: 0, invalid: ['not json'] });
    expect(runs.find((r) => r.client === 'c-us')!.lostSamples).toBe(1);
  });

  it('refuses a run without a positive cap', async () => {
    const { rt } = fakeRuntime();
    await expect(startProbes(rt, lab, [], { maxDurationMs: 0 })).rejects.toThrow(/maxDurationMs/);
  });

  it('gives the agent the IPv6 endpoints on a dual-stack lab, and none on an [ipv4] lab', () => {
    expect(probeConfig(lab, 'c-de', 'r1', 1000)).not.toHaveProperty('ipv6');
    const dual = {
      ...lab,
      families: ['ipv4', 'ipv6'] as const,
      anycast: { ...lab.anycast, ipv6: { prefix: '2001:db8::/48', dnsAddress: '2001:db8::53', httpAddress: '2001:db8::80', records: {} } },
    };
    expect(probeConfig({ ...dual, families: [...dual.families] }, 'c-de', 'r1', 1000).ipv6).toEqual({
      dns: { address: '2001:db8::53', port: 53 },
      http: { address: '2001:db8::80', port: 80 },
      stream: { address: '2001:db8::80', port: lab.anycast.streamPort },
    });
  });
});
