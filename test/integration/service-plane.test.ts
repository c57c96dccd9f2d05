// Issue "Anycast service plane": every client gets DNS (UDP, TCP, NSID,
// CHAOS), authoritative answers and the HTTP trace from the PoP the lab file
// promises; `who` agrees; a PoP's responder survives fuzzing (source port 0
// included) without restarting; a hung responder is withdrawn within 3 s and
// comes back after the hold-down. Real dig, curl and node in the clients.
//
//   ANYCAST_LAB_FILE=/tmp/lab-svc.yaml npx vitest run test/integration/service-plane.test.ts
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FuzzSummary } from '../../src/agent/fuzz-main.js';
import type { ResponderStats } from '../../src/agent/pop/stats.js';
import { POP_PATHS } from '../../src/contract/agent.js';
import type { Sample } from '../../src/contract/sample.js';
import { parseDigNsid, parseTraceBody } from '../../src/probe/who.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import { docker, lab, labelled, labJson, REPO, until } from './cli.js';
import { withSourcePortZero } from './support/source-port-zero.js';

const LAB_FILE = resolve(REPO, process.env.ANYCAST_LAB_FILE ?? 'labs/default.yaml');
const spec = loadLabFile(LAB_FILE);
const L = spec.name;
const DNS = spec.anycast.dnsAddress;
const HTTP = spec.anycast.httpAddress;
const clients = spec.clients.filter((c) => c.expect?.pop);
const coloOf = (pop: string) => spec.routers.find((r) => r.name === pop)?.colo ?? pop.toUpperCase();

interface Exec {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `npm run lab -- exec --lab <lab> <node> -- <cmd…>`, as a user types it. */
const run = (node: string, cmd: string[]) => labJson<Exec>(['exec', '--lab', L, node, '--', ...cmd]);
const dig = (client: string, args: string[]) => run(client, ['dig', '+tries=2', '+time=2', `@${DNS}`, ...args]);

const digLine = (args: string[]) => ['dig', '+tries=2', '+time=2', `@${DNS}`, ...args].join(' ');

/** Runs shell `lines` in turn in one exec on `node`; returns each one's stdout and stderr. */
async function inClient(node: string, lines: string[]): Promise<string[]> {
  const mark = '=====anycast-lab-test=====';
  const r = await run(node, ['sh', '-c', lines.map((l) => `echo ${mark}; ${l} 2>&1`).join('; ')]);
  return r.stdout.split(`${mark}\n`).slice(1);
}

/** Header fields of full `dig` output. */
function digHeader(out: string): { status: string; flags: string[]; answers: string[] } {
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? '(none)';
  const flags = /;; flags: ([a-z ]+);/.exec(out)?.[1].trim().split(/\s+/) ?? [];
  const section = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(out)?.[1] ?? '';
  return {
    status,
    flags,
    answers: section
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).pop()!),
  };
}

/** Responder pid, its start time (/proc/<pid>/stat field 22, clock ticks since boot), stats and kernel UDP counters, in one exec. */
async function popSnapshot(pop: string) {
  const r = await run(pop, [
    'sh',
    '-c',
    // Field 22 counted after the ")" closing comm, which may contain spaces: state is field 3.
    `p=$(cat ${POP_PATHS.responderPid}); echo $p; sed 's/.*) //' /proc/$p/stat | cut -d' ' -f20; cat ${POP_PATHS.stats}; grep '^Udp:' /proc/net/snmp | tail -1`,
  ]);
  const [pid, start, stats, udp] = r.stdout.trim().split('\n');
  const snmp = udp.split(/\s+/).slice(1).map(Number);
  return {
    pid: Number(pid),
    start: Number(start),
    stats: JSON.parse(stats) as ResponderStats,
    kernel: { inDatagrams: snmp[0], rcvbufErrors: snmp[4], inCsumErrors: snmp[6] },
  };
}

beforeAll(async () => {
  // Idempotent: keeps a lab that is already up. No `down` afterwards: later files reuse it.
  await labJson(['up', LAB_FILE]);
});

describe(`service plane: every client reaches its PoP (lab ${L})`, () => {
  it.each(clients.map((c) => [c.name, c] as const))('%s gets DNS and HTTP from its expected PoP', async (_name, c) => {
    const pop = c.expect!.pop;
    // One exec per client running the queries in turn: eight `lab exec` node
    // processes at once made a CPU spike on 2 cores, and a UDP query once timed out in it.
    const [udp, tcp, nsid, idServer, a, nx, refused, trace] = await inClient(c.name, [
      digLine(['hostname.bind', 'CH', 'TXT', '+short']),
      digLine(['+tcp', 'hostname.bind', 'CH', 'TXT', '+short']),
      digLine(['+nsid', '+norec', 'hostname.bind', 'CH', 'TXT']),
      digLine(['id.server', 'CH', 'TXT', '+short']),
      digLine(['+norec', 'anycast.lab.', 'A']),
      digLine(['+norec', 'no-such-name.lab.', 'A']),
      digLine(['+norec', 'example.com.', 'A']),
      `curl -sS --max-time 5 http://${HTTP}/cdn-cgi/trace`,
    ]);
    expect(udp.trim(), 'hostname.bind over UDP').toBe(`"${pop}"`);
    expect(tcp.trim(), 'hostname.bind over TCP').toBe(`"${pop}"`);
    expect(parseDigNsid(nsid), 'NSID').toBe(pop);
    expect(digHeader(nsid).status).toBe('NOERROR');
    expect(idServer.trim(), 'id.server').toBe(`"${pop}"`);

    const ah = digHeader(a);
    expect(ah.status).toBe('NOERROR');
    expect(ah.flags).toContain('aa');
    expect(ah.answers).toEqual([spec.anycast.records['anycast.lab.']]);

    const nh = digHeader(nx);
    expect(nh.status, 'unknown name in the zone').toBe('NXDOMAIN');
    expect(nh.flags).toContain('aa');
    expect(digHeader(refused).status, 'name outside the zone').toBe('REFUSED');

    const t = parseTraceBody(trace);
    expect(t.pop).toBe(pop);
    expect(t.colo).toBe(coloOf(pop));
    expect(t.ip, 'trace echoes the client address').toBe(c.address);
  });

  it('`who --json` agrees with the lab file', async () => {
    const who = await labJson<{ clients: { client: string; udp: string; tcp: string; nsid: string; http: string; expected: string; matches: boolean }[] }>([
      'who',
      L,
    ]);
    expect(who.clients.map((r) => r.client).sort()).toEqual(spec.clients.map((c) => c.name).sort());
    for (const c of clients) {
      const row = who.clients.find((r) => r.client === c.name)!;
      const pop = c.expect!.pop;
      expect(row, c.name).toMatchObject({ udp: pop, tcp: pop, nsid: pop, http: pop, expected: pop, matches: true });
    }
    console.log(`who ${L}: ${who.clients.map((r) => `${r.client}=${r.udp}/${r.tcp}/${r.nsid}/${r.http}${r.matches ? '' : ' (DIFFERS)'}`).join(' ')}`);
  });
});

describe(`fuzzing a PoP (lab ${L})`, () => {
  const c = clients[0];
  const pop = c.expect!.pop;
  const SPORT = 40000;

  it(`${pop} survives 10k malformed UDP and TCP messages, source port 0 and 1000 idle connections from ${c.name}`, async () => {
    const before = await popSnapshot(pop);
    const rt = new DockerRuntime(docker);
    // The PoP's health checker is held for the run: its 200 ms self-checks
    // queue behind the flood, time out three times and withdraw the prefix
    // (seen in CI), and the rest of the fuzz would then go to the backup PoP.
    // This test is about the responder surviving what it is sent, so the
    // catchment must stay put; withdrawal under load is the checker's job
    // and is tested in the health suite below.
    const checker = (sig: 'STOP' | 'CONT') => run(pop, ['sh', '-c', `kill -${sig} $(cat ${POP_PATHS.healthPid})`]);
    await checker('STOP');
    const fuzz = await withSourcePortZero(rt, L, c.name, SPORT, async () => {
      const r = await run(c.name, ['node', '/opt/anycast-lab/fuzz.mjs', '--target', DNS, '--sport0-port', String(SPORT)]);
      return JSON.parse(r.stdout) as FuzzSummary;
    }).finally(() => checker('CONT'));
    const doneAt = Date.now();
    // stats.json is rewritten about once a second.
    const after = await until('a stats.json written after the fuzz run', 10_000, 250, async () => {
      const s = await popSnapshot(pop);
      return s.stats.writtenAt > doneAt ? s : undefined;
    });
    const d = (f: (s: ResponderStats) => number) => f(after.stats) - f(before.stats);
    console.log(
      `fuzz ${c.name} -> ${pop}: ${JSON.stringify({
        udp: { sent: fuzz.udp.sent, replies: fuzz.udp.replies, received: d((s) => s.udp.queries), dropped: d((s) => s.udp.dropped), ms: fuzz.udp.ms },
        sport0: { ...fuzz.sport0, sendErrors: d((s) => s.udp.sendErrors) },
        tcp: { sent: fuzz.tcp.sent, replies: fuzz.tcp.replies, received: d((s) => s.tcp.queries), connections: fuzz.tcp.connections },
        idle: fuzz.idle,
        kernel: { rcvbufErrors: after.kernel.rcvbufErrors - before.kernel.rcvbufErrors, inCsumErrors: after.kernel.inCsumErrors - before.kernel.inCsumErrors },
        after: fuzz.after,
      })}`,
    );

    // The same process, never restarted.
    expect(after.pid).toBe(before.pid);
    expect(after.start).toBe(before.start);
    expect(after.stats.pid).toBe(before.pid);

    expect(fuzz.udp.sent).toBeGreaterThanOrEqual(10_000);
    expect(fuzz.tcp.sent).toBeGreaterThanOrEqual(10_000);
    expect(
      d((s) => s.udp.queries),
      'UDP fuzz received by the responder',
    ).toBeGreaterThanOrEqual(10_000);
    expect(
      d((s) => s.tcp.queries),
      'TCP fuzz frames read by the responder',
    ).toBeGreaterThan(0);

    // Source port 0: every query reached the responder, whose answer to port 0 could not be sent.
    expect(fuzz.sport0.replies).toBe(0);
    expect(d((s) => s.udp.sendErrors)).toBeGreaterThanOrEqual(fuzz.sport0.sent);
    // Fragmented (software-checksummed) ones too: the rewrite left a valid checksum.
    expect(after.kernel.inCsumErrors - before.kernel.inCsumErrors).toBe(0);

    expect(fuzz.idle.opened).toBe(fuzz.idle.requested);
    expect(fuzz.after).toEqual({ udp: 'NOERROR', tcp: 'NOERROR' });

    // Still answering correctly, and the nftables rule is gone: port 40000 gets its answer again.
    expect((await dig(c.name, ['hostname.bind', 'CH', 'TXT', '+short'])).stdout.trim()).toBe(`"${pop}"`);
    expect((await dig(c.name, ['+tcp', 'anycast.lab.', 'A', '+short'])).stdout.trim()).toBe(spec.anycast.records['anycast.lab.']);
    expect((await dig(c.name, ['-b', `0.0.0.0#${SPORT}`, 'hostname.bind', 'CH', 'TXT', '+short'])).stdout.trim()).toBe(`"${pop}"`);
    const { containers } = await labelled(L);
    expect(containers.filter((x) => x.Names.some((n) => n.includes('sport0')))).toEqual([]);
  });
});

describe(`health: a hung responder is withdrawn (lab ${L})`, () => {
  const c = clients.find((x) => x.expect?.backup)!;
  const pop = c.expect!.pop;
  const backup = c.expect!.backup!;
  const PROBE_MS = 25_000;

  const signal = async (sig: 'STOP' | 'CONT') => {
    // Read CLOCK_MONOTONIC right after kill(2): the clients' probe samples use the same clock.
    const js = `const pid=Number(require('fs').readFileSync('${POP_PATHS.responderPid}','utf8'));process.kill(pid,'SIG${sig}');console.log(JSON.stringify({pid,ms:Number(process.hrtime.bigint())/1e6}))`;
    const r = await run(pop, ['node', '-e', js]);
    return JSON.parse(r.stdout) as { pid: number; ms: number };
  };
  const announceState = async () => {
    const s = await labJson<{ nodes: { node: string; announce?: { state?: string } }[] }>(['status', L]);
    return s.nodes.find((n) => n.node === pop)?.announce?.state;
  };

  it(`SIGSTOP of ${pop}'s responder moves ${c.name} to ${backup} within 3 s, SIGCONT brings it back`, async () => {
    const probeConfig = {
      client: c.name,
      dns: { address: DNS },
      http: { address: HTTP },
      stream: { address: HTTP },
      udpIntervalMs: 20,
      tcpIntervalMs: 0,
      httpIntervalMs: 0,
      streams: 0,
      durationMs: PROBE_MS,
    };
    const probe = lab(['exec', '--lab', L, c.name, '--', 'node', '/opt/anycast-lab/probe.mjs', JSON.stringify(probeConfig)], PROBE_MS + 60_000);
    // A baseline of answers from the usual PoP before the fault.
    await until(`the probe agent running in ${c.name}`, 15_000, 200, async () =>
      (await run(c.name, ['pgrep', '-f', 'probe.mjs']).catch(() => undefined)) ? true : undefined,
    );

    let stopped: { pid: number; ms: number } | undefined;
    let cont: { pid: number; ms: number } | undefined;
    try {
      stopped = await signal('STOP');
      await until(`status --json to show ${pop} withdrawn`, 10_000, 100, async () => ((await announceState()) === 'withdrawn' ? true : undefined));
      cont = await signal('CONT');
    } finally {
      if (stopped && !cont) await signal('CONT');
    }
    // Announced again after the hold-down: a moment for the route to reach the
    // client and its answers to come from the PoP, then the probe ends
    // (SIGTERM: it stops cleanly, summary last) instead of running out its 25 s.
    await until(`status --json to show ${pop} announced again`, 15_000, 200, async () => ((await announceState()) === 'announced' ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    await run(c.name, ['pkill', '-TERM', '-f', 'probe.mjs']);

    const r = await probe;
    expect(r.code, r.stderr).toBe(0);
    const samples = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Sample & { type?: string })
      .filter((s) => s.type !== 'summary' && s.kind === 'udp-dns');
    const ok = samples.filter((s) => s.outcome === 'ok');
    expect(
      ok.filter((s) => s.recvMs! < stopped!.ms).every((s) => s.pop === pop),
      `${c.name} answered by ${pop} before the fault`,
    ).toBe(true);
    const firstBackup = ok.find((s) => s.pop === backup && s.recvMs! > stopped!.ms);
    expect(firstBackup, `an answer from ${backup} after SIGSTOP`).toBeDefined();
    const withdrawalMs = firstBackup!.recvMs! - stopped!.ms;
    const lastOld = [...ok].reverse().find((s) => s.pop === pop && s.recvMs! < firstBackup!.recvMs!);
    const backAgain = ok.find((s) => s.pop === pop && s.sentMs > cont!.ms);
    const returnMs = backAgain ? backAgain.recvMs! - cont!.ms : undefined;
    console.log(
      `health ${L}/${pop}: SIGSTOP -> first answer from ${backup} in ${withdrawalMs.toFixed(0)} ms ` +
        `(last ${pop} answer ${lastOld ? (stopped!.ms - lastOld.recvMs!).toFixed(0) : '?'} ms before SIGSTOP; ` +
        `${samples.filter((s) => s.outcome !== 'ok' && s.sentMs > stopped!.ms && s.sentMs < firstBackup!.sentMs).length} probes lost); ` +
        `SIGCONT -> ${pop} again in ${returnMs?.toFixed(0) ?? '(not within the probe window)'} ms (hold-down ${spec.health.holdDown} ms)`,
    );
    expect(withdrawalMs).toBeLessThan(3000);
    expect(backAgain, `${c.name} answered by ${pop} again after SIGCONT and the hold-down`).toBeDefined();
    // Not before the hold-down has passed.
    expect(returnMs!).toBeGreaterThanOrEqual(spec.health.holdDown);
  });
});
