// `bench cli`: the summary of each way in, and the text that says whether the targets hold.
import { describe, expect, it } from 'vitest';
import { type CliBenchResult, renderCliBench, timedRow } from '../../src/bench/cli-start.js';

describe('timedRow', () => {
  it('gives the nearest-rank median and p90 of the runs, whatever their order', () => {
    const r = timedRow('bin', 'node bin/anycast-lab.mjs --help', [300, 100, 200, 1000, 150, 120, 130, 140, 160, 170]);
    expect(r).toMatchObject({ runs: 10, medianMs: 150, p90Ms: 300, minMs: 100, maxMs: 1000 });
  });
});

describe('renderCliBench', () => {
  const base: Omit<CliBenchResult, 'file'> = {
    at: '2026-12-06T03:00:00.000Z',
    machine: { cpus: 2, memGiB: 24, node: 'v20.20.2', loadavg1AtStart: 1.5, loadavg1AtEnd: 1.25 },
    help: { targetMs: 300, pass: true, rows: [timedRow('bin', 'node bin/anycast-lab.mjs --help', [180, 190, 200])] },
    status: { ran: false, reason: 'no lab is up (bring one up with `npx anycast-lab up`, then run this again)' },
    reproduce: 'npm run bench -- cli',
  };

  it('says why status was not timed, in full', () => {
    const text = renderCliBench(base);
    expect(text).toContain('--help from the bin: median 190 ms, within the 300 ms target.');
    expect(text).toContain('status did not run: no lab is up (bring one up with `npx anycast-lab up`, then run this again).');
  });

  it('flags a median over its target', () => {
    const row = timedRow('bin', 'node bin/anycast-lab.mjs status --json default', [900, 1200, 1100]);
    const text = renderCliBench({ ...base, status: { ran: true, lab: 'default', targetMs: 1000, pass: false, ...row } });
    expect(text).toContain('status on lab default: median 1100 ms, OVER the 1000 ms target.');
    expect(text).toContain('| status | `node bin/anycast-lab.mjs status --json default` | 3 | 1100 |');
  });
});
