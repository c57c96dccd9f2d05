import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_BLOCKS, type ResultFile, renderReport, resultFiles } from '../../src/bench/report.js';

const REPO = join(import.meta.dirname, '..', '..');

describe('bench report', () => {
  const block = {
    id: 'x',
    bench: 'demo',
    fits: (d: unknown) => (d as { ok?: boolean }).ok === true,
    render: (d: unknown, f: string) => `value ${(d as { v: number }).v} from ${f}`,
  };
  const files: ResultFile[] = [
    { name: 'demo-2026-11-30T10-00-00Z.json', doc: { ok: false, v: 3 } },
    { name: 'demo-2026-11-29T10-00-00Z.json', doc: { ok: true, v: 2 } },
  ];

  it('rewrites only what is between the markers, from the newest file that fits', () => {
    const readme = 'intro\n<!-- bench:x -->\nold hand-typed 1\n<!-- /bench:x -->\nrest\n';
    const { text, used } = renderReport(readme, () => files, [block]);
    expect(text).toBe('intro\n<!-- bench:x -->\nvalue 2 from demo-2026-11-29T10-00-00Z.json\n<!-- /bench:x -->\nrest\n');
    expect(used).toEqual({ x: 'demo-2026-11-29T10-00-00Z.json' });
    // Idempotent.
    expect(renderReport(text, () => files, [block]).text).toBe(text);
  });

  it('refuses a block without a result file or without its closing marker', () => {
    expect(() => renderReport('<!-- bench:x -->\n<!-- /bench:x -->', () => [], [block])).toThrow(/no result file .* "x"/);
    expect(() => renderReport('<!-- bench:x -->\n', () => files, [block])).toThrow(/has no <!-- \/bench:x -->/);
  });

  it('README.md holds exactly what the committed result files say', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const { text, used } = renderReport(readme, (bench) => resultFiles(join(REPO, 'bench', 'results'), bench));
    // Every block is in the README, each from a file.
    expect(Object.keys(used).sort()).toEqual(REPORT_BLOCKS.map((b) => b.id).sort());
    expect(text, 'run `npm run bench -- report` and commit README.md').toBe(readme);
  });
});
