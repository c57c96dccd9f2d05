import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/contract/sample.js';
import { createNdjsonParser, parseNdjson, parseProbeLine } from '../../src/probe/ndjson.js';

const a: Sample = { client: 'c1', kind: 'udp-dns', seq: 0, sentMs: 1.5, recvMs: 2.5, rttMs: 1, pop: 'fra', outcome: 'ok' };
const b: Sample = { client: 'c1', kind: 'stream', stream: 1, conn: 0, seq: 4, sentMs: 3, outcome: 'reset', detail: 'ECONNRESET' };
const summary = { type: 'summary', client: 'c1', probes: {}, streams: { count: 0, connects: 0, lines: 0, badLines: 0, ends: {} } };

describe('ndjson parser', () => {
  it('reassembles lines split across chunks at any byte', () => {
    const text = `${[a, b, summary].map((x) => JSON.stringify(x)).join('\n')}\n`;
    const bytes = Buffer.from(text);
    for (const cut of [1, 7, 40, bytes.length - 1]) {
      const p = createNdjsonParser();
      const got = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.end()];
      expect(got.map((l) => l.type)).toEqual(['sample', 'sample', 'summary']);
      expect(got[0]).toEqual({ type: 'sample', sample: a });
    }
  });

  it('feeding one byte at a time gives the same result, including multi-byte UTF-8', () => {
    const withUtf8 = { ...b, detail: 'Verbindung zurückgesetzt — ✗' };
    const bytes = Buffer.from(`${JSON.stringify(withUtf8)}\r\n${JSON.stringify(a)}`);
    const p = createNdjsonParser();
    const got = [];
    for (let i = 0; i < bytes.length; i++) got.push(...p.push(bytes.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    got.push(...p.end()); // the last line had no newline
    expect(got).toEqual([
      { type: 'sample', sample: withUtf8 },
      { type: 'sample', sample: a },
    ]);
  });

  it('reports garbage as invalid lines and keeps going', () => {
    const out = parseNdjson(`npm warn something\n${JSON.stringify(a)}\n\n{"kind":"udp-dns"}\n[1]\n${JSON.stringify(summary)}\n`);
    expect(out.samples).toEqual([a]);
    expect(out.summary?.client).toBe('c1');
    expect(out.invalid).toEqual(['npm warn something', '{"kind":"udp-dns"}', '[1]']);
  });

  it('explains why a line is invalid', () => {
    expect(parseProbeLine('{"kind":"icmp","outcome":"ok"}')).toMatchObject({ type: 'invalid', reason: 'unknown kind "icmp"' });
    expect(parseProbeLine('{"kind":"http","outcome":"weird"}')).toMatchObject({ reason: 'unknown outcome "weird"' });
  });
});
