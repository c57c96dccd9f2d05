// Incremental parser for the probe agent's stdout: chunks of bytes in, whole
// samples out. A chunk may end mid-line or mid-UTF-8 character (docker exec
// frames are cut anywhere); the remainder waits for the next chunk. A line
// that is not a sample is returned as `invalid`, never thrown: one garbled
// line must not end a measurement.

import { StringDecoder } from 'node:string_decoder';
import type { ProbeSummary, Sample } from '../contract/sample.js';

export type ProbeLine = { type: 'sample'; sample: Sample } | { type: 'summary'; summary: ProbeSummary } | { type: 'invalid'; line: string; reason: string };

export interface NdjsonParser {
  push(chunk: Buffer | string): ProbeLine[];
  /** Call at end of stream: parses a last line that had no newline. */
  end(): ProbeLine[];
}

const KINDS = new Set(['udp-dns', 'tcp-dns', 'http', 'stream']);
const OUTCOMES = new Set(['ok', 'timeout', 'reset', 'refused', 'unreachable', 'error', 'closed']);

export function createNdjsonParser(): NdjsonParser {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const take = (text: string, final: boolean): ProbeLine[] => {
    const parts = (rest + text).split('\n');
    rest = final ? '' : (parts.pop() ?? '');
    const out: ProbeLine[] = [];
    for (const raw of parts) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() !== '') out.push(parseProbeLine(line));
    }
    return out;
  };
  return {
    push: (chunk) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false),
    end: () => take(decoder.end(), true),
  };
}

/** One complete line → sample, summary or invalid. */
export function parseProbeLine(line: string): ProbeLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { type: 'invalid', line, reason: `not JSON: ${(err as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { type: 'invalid', line, reason: 'not an object' };
  const o = v as Record<string, unknown>;
  if (o.type === 'summary') return { type: 'summary', summary: o as unknown as ProbeSummary };
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind)) return { type: 'invalid', line, reason: `unknown kind ${JSON.stringify(o.kind)}` };
  if (typeof o.outcome !== 'string' || !OUTCOMES.has(o.outcome)) {
    return { type: 'invalid', line, reason: `unknown outcome ${JSON.stringify(o.outcome)}` };
  }
  if (typeof o.sentMs !== 'number' || typeof o.seq !== 'number' || typeof o.client !== 'string') {
    return { type: 'invalid', line, reason: 'missing client, seq or sentMs' };
  }
  return { type: 'sample', sample: o as unknown as Sample };
}

/** Convenience for whole outputs (tests, saved files): every sample, the summary, the invalid lines. */
export function parseNdjson(text: string): { samples: Sample[]; summary?: ProbeSummary; invalid: string[] } {
  const p = createNdjsonParser();
  const lines = [...p.push(text), ...p.end()];
  const samples: Sample[] = [];
  const invalid: string[] = [];
  let summary: ProbeSummary | undefined;
  for (const l of lines) {
    if (l.type === 'sample') samples.push(l.sample);
    else if (l.type === 'summary') summary = l.summary;
    else invalid.push(l.line);
  }
  return { samples, ...(summary ? { summary } : {}), invalid };
}
