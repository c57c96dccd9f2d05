// The judgements the recording exercises make (drain-maintenance, tcp-stream,
// asymmetric-path), on hand-made probe samples: pure, no containers.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/contract/sample.js';
import { nextHopRouters } from '../../src/exercise/asymmetric-path.js';
import { moveProblems } from '../../src/exercise/drain-maintenance.js';
import { longestOutage, moves, recorderScript, recordingEnded, streamStory } from '../../src/exercise/recording.js';
import { loadLabFile } from '../../src/topology/load.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));

/** UDP probes 100 ms apart: a PoP name is an answer, null a timeout. */
const udp = (answers: (string | null)[]): Sample[] =>
  answers.map((pop, seq) => ({
    client: 'c-de',
    kind: 'udp-dns',
    seq,
    sentMs: 1000 + seq * 100,
    outcome: pop ? 'ok' : 'timeout',
    ...(pop ? { pop } : {}),
  }));

describe('longestOutage and moves (UDP recording)', () => {
  it('a drain: fra to iad with nothing lost', () => {
    const s = udp(['fra', 'fra', 'iad', 'iad']);
    expect(longestOutage(s)).toBeNull();
    expect(moves(s)).toEqual([{ from: 'fra', to: 'iad', atMs: 1200, lost: 0 }]);
    expect(moveProblems(moves(s), 'c-de', 'fra', 1)).toEqual({ problems: [], move: moves(s)[0] });
  });

  it('a dual-stack recorder: the IPv6 probes (numbered apart, on another PoP) are not IPv4 moves', () => {
    const v4 = udp(['nrt', 'nrt', 'nrt']).map((x) => ({ ...x, family: 'ipv4' as const }));
    const v6 = udp(['fra', 'fra', 'fra']).map((x) => ({ ...x, family: 'ipv6' as const }));
    expect(moves([...v4, ...v6])).toEqual([]);
    expect(longestOutage([...v4, ...v6.map((x) => ({ ...x, outcome: 'timeout' as const }))])).toBeNull();
  });

  it('just stopping fra: 6 probes lost before iad answers, the longest outage wins, samples out of order are sorted', () => {
    const s = udp(['fra', null, 'fra', null, null, null, null, null, null, 'iad']).reverse();
    expect(longestOutage(s)).toEqual({ ms: 600, failed: 6, from: 'fra', to: 'iad' });
    const m = moveProblems(moves(s), 'c-de', 'fra', 1);
    expect(m.move).toMatchObject({ from: 'fra', to: 'iad', lost: 6 });
    expect(m.problems[0]).toMatch(/c-de lost 6 answers in a row moving from fra to iad: fra stopped answering before the catchment moved/);
  });

  it('an outage still running at the end is measured to the last probe; no move is named', () => {
    const s = udp(['fra', null, null, null]);
    expect(longestOutage(s)).toEqual({ ms: 200, failed: 3, from: 'fra', to: null });
    expect(moveProblems(moves(s), 'c-de', 'fra', 1).problems).toEqual(['c-de never moved off fra while recording']);
  });
});

describe('streamStory (TCP stream recording)', () => {
  /** A stream line from `pop`, or (no pop) the end of connection `conn` with `outcome`. */
  const ev = (seq: number, atMs: number, conn: number, pop: string | null, outcome: Sample['outcome'] = 'ok'): Sample => ({
    client: 'c-de',
    kind: 'stream',
    stream: 0,
    conn,
    seq,
    sentMs: atMs,
    outcome,
    ...(pop ? { pop } : {}),
  });
  const line = (seq: number, atMs: number, pop: string, conn: number) => ev(seq, atMs, conn, pop);
  const end = (seq: number, atMs: number, outcome: Sample['outcome'], conn: number) => ev(seq, atMs, conn, null, outcome);

  it('a drain and back: reset twice, fed by fra → iad → fra, the longest silence across reconnects', () => {
    const s = [
      line(0, 0, 'fra', 0),
      line(1, 100, 'fra', 0),
      end(2, 150, 'reset', 0),
      line(3, 330, 'iad', 1),
      line(4, 430, 'iad', 1),
      end(5, 480, 'reset', 1),
      line(6, 640, 'fra', 2),
    ];
    expect(streamStory(s)).toEqual({ lines: 5, pops: ['fra', 'iad', 'fra'], ends: ['reset', 'reset'], longestSilenceMs: 230, lastLineMs: 640 });
  });

  it('a hard failure: silence until the idle timeout, then iad', () => {
    const s = [line(0, 0, 'fra', 0), end(1, 1000, 'timeout', 0), line(2, 1180, 'iad', 1)];
    expect(streamStory(s)).toMatchObject({ pops: ['fra', 'iad'], ends: ['timeout'], longestSilenceMs: 1180 });
  });

  it('ignores other streams and kinds; an empty recording has no last line', () => {
    expect(streamStory([...udp(['fra']), { ...line(0, 5, 'fra', 0), stream: 1 }])).toEqual({
      lines: 0,
      pops: [],
      ends: [],
      longestSilenceMs: 0,
      lastLineMs: null,
    });
  });
});

describe('recording plumbing', () => {
  it('the recorder runs detached with only the asked kinds, and its pid is kept to stop it', () => {
    const [sh, flag, script] = recorderScript(lab, 'tcp-stream', 'c-de', { streams: 1 });
    expect([sh, flag]).toEqual(['sh', '-c']);
    expect(script).toMatch(
      /^\[ -f \/tmp\/al-exercise-tcp-stream\.pid \] && kill "\$\(cat \/tmp\/al-exercise-tcp-stream\.pid\)" 2>\/dev\/null; rm -f \/tmp\/al-exercise-tcp-stream\.pid; rm -f \/tmp\/al-exercise-tcp-stream\.ndjson; setsid node \/opt\/anycast-lab\/probe\.mjs '/,
    );
    const config = JSON.parse(/probe\.mjs '([^']+)'/.exec(script)?.[1] ?? '');
    expect(config).toMatchObject({
      client: 'c-de',
      run: 'al-exercise-tcp-stream',
      streams: 1,
      udpIntervalMs: 0,
      tcpIntervalMs: 0,
      httpIntervalMs: 0,
      durationMs: 1_200_000,
    });
    expect(script).toMatch(/<\/dev\/null & echo \$! >\/tmp\/al-exercise-tcp-stream\.pid$/);
  });

  it('an ended recording tells the attendee to start again', () => {
    expect(recordingEnded({ client: 'c-de', samples: [] }, 'x')).toBeNull();
    const summary = { stopReason: 'duration', durationMs: 1_200_000 } as never;
    expect(recordingEnded({ client: 'c-de', samples: [], summary }, 'x')).toBe(
      "c-de's recording ended (duration) after 1200 s: run `npm run lab -- exercise start x` again",
    );
  });
});

describe('nextHopRouters (asymmetric-path)', () => {
  const tUs = lab.links.find((l) => [l.a.node, l.b.node].sort().join() === 'gru,t-us');
  const ebBr = lab.links.find((l) => [l.a.node, l.b.node].sort().join() === 'eb-br,gru');
  const far = (l: typeof tUs, node: string) => (l?.a.node === node ? l.a.address : l?.b.address);
  it('names the router behind the selected route’s active next hop', () => {
    const json = (ip: string | undefined) =>
      JSON.stringify({
        '10.78.3.0/24': [
          { selected: false, nexthops: [{ ip: far(ebBr, 'eb-br') }] },
          { selected: true, nexthops: [{ ip, active: true }] },
        ],
      });
    expect(nextHopRouters(lab, json(far(tUs, 't-us')))).toEqual(['t-us']);
    expect(nextHopRouters(lab, json(far(ebBr, 'eb-br')))).toEqual(['eb-br']);
    expect(nextHopRouters(lab, '{}')).toEqual([]);
  });
});
