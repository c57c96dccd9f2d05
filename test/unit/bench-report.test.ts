import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BenchRow, failedRow } from '../../src/bench/failover.js';
import { mergeFailover, REPORT_BLOCKS, type ResultFile, renderReport, reportDocs, resultFiles, scaleTable } from '../../src/bench/report.js';

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

  it('README.md and docs/*.md hold exactly what the committed result files say', () => {
    const used: Record<string, string> = {};
    for (const doc of reportDocs(REPO)) {
      const before = readFileSync(join(REPO, doc), 'utf8');
      const r = renderReport(before, (bench) => resultFiles(join(REPO, 'bench', 'results'), bench), REPORT_BLOCKS, doc);
      Object.assign(used, r.used);
      expect(r.text, `run \`npm run bench -- report\` and commit ${doc}`).toBe(before);
    }
    // Every block is in some doc, each from a file.
    expect(Object.keys(used).sort()).toEqual(REPORT_BLOCKS.map((b) => b.id).sort());
  });

  it('names the doc whose marker is broken', () => {
    expect(() => renderReport('<!-- bench:x -->\n', () => files, [block], 'docs/failover.md')).toThrow(/^docs\/failover.md: /);
  });

  describe('scale table', () => {
    const row = (pops: number, upMs: number, floorMs?: number) => ({
      pops,
      transits: 2,
      eyeballs: 4,
      routers: pops + 6,
      clients: 4,
      networks: 20,
      upMs,
      ...(floorMs ? { floorMs, ratioToFloor: Math.round((upMs / floorMs) * 100) / 100 } : {}),
      phases: {} as never,
      routerMemMB: { median: 44.5, max: 47.5, byRole: { pop: 44.1 } },
    });

    /** Every row has as many cells as the header. */
    const expectSameCellCount = (table: string) => {
      const cells = table
        .split('\n')
        .filter((l) => l.startsWith('|'))
        .map((l) => l.split('|').length);
      expect(new Set(cells).size).toBe(1);
    };

    it('shows each size against its own floor', () => {
      const t = scaleTable({ scale: [row(4, 6605, 3300), row(16, 12070, 6000)], reproduce: 'npm run bench -- up' }, 'up-x.json');
      expect(t).toContain('| PoPs / transits / eyeballs | routers | `up` ms | its Docker floor, ms | `up` / floor | router MB, median / max |');
      expect(t).toContain('| 16 / 2 / 4 | 22 | 12,070 | 6,000 | 2.01× | 44.5 / 47.5 | 44.1 /');
      expectSameCellCount(t);
    });

    it('gives the spread of several runs beside their median ratio, and the idle column when measured', () => {
      const idle = { seconds: 10, busyPct: 43, cpu: {} as never };
      const runs = [
        { upMs: 98000, floorMs: 45800, ratio: 2.14 },
        { upMs: 106100, floorMs: 41000, ratio: 2.59 },
        { upMs: 100000, floorMs: 43000, ratio: 2.33 },
      ];
      const t = scaleTable({ scale: [{ ...row(100, 100000, 43000), runs, idle }, row(4, 6605, 3300)], reproduce: 'npm run bench -- up' }, 'up-x.json');
      expect(t).toContain('| 2.33× (3 runs: 2.14–2.59×) |');
      expect(t).toContain('| 43 |');
      expect(t).toContain('| 4 / 2 / 4 | 10 | 6,605 | 3,300 | 2× | 44.5 / 47.5 |');
      expectSameCellCount(t);
    });

    it('leaves the floor columns out for a result file from before them', () => {
      const t = scaleTable({ scale: [row(4, 6605)], reproduce: 'npm run bench -- up' }, 'up-old.json');
      expect(t).not.toContain('floor');
      expect(t).toContain('| 4 / 2 / 4 | 10 | 6,605 | 44.5 / 47.5 |');
    });
  });

  describe('failover matrix', () => {
    const ok = (fault: string, bfd: string, p50: number): BenchRow => {
      const { error: _, ...r } = failedRow({ fault, bfd }, '');
      return { ...r, trials: 10, failoverMs: { ...r.failoverMs, n: 10, p50 } };
    };
    const doc = (rows: BenchRow[], bfds: string, pop = 'fra') => ({ lab: 'default', pop, trialsPerCase: 10, modes: 'freeze,silent', bfds, rows });
    const old = {
      name: 'failover-2026-11-30T13-15-39Z.json',
      doc: doc([{ ...failedRow({ fault: 'freeze', bfd: '20x3' }, new Error('BFD did not settle within 90 s:')) }, ok('silent', '100x3', 330)], '20x3,100x3'),
    };
    const rerun = { name: 'failover-2026-12-06T07-11-00Z.json', doc: doc([ok('freeze', '20x3', 130), ok('freeze', '50x3', 200)], '20x3,50x3') };

    it('takes each case from the newest file that ran it, in the older files’ order, and names which rows came from where', () => {
      const m = mergeFailover([rerun, old] as never);
      expect(m.rows.map((r) => [r.fault, r.bfd, r.failoverMs.p50])).toEqual([
        ['freeze', '20x3', 130],
        ['silent', '100x3', 330],
        ['freeze', '50x3', 200],
      ]);
      const md = REPORT_BLOCKS.find((b) => b.id === 'failover')!.render(rerun.doc, rerun.name, [rerun, old]);
      expect(md).toMatch(
        /^freeze 20x3, freeze 50x3 from `bench\/results\/failover-2026-12-06T07-11-00Z.json` \(`npm run bench -- failover --trials 10 --modes freeze,silent --bfd 20x3,50x3`\); the rest from `bench\/results\/failover-2026-11-30T13-15-39Z.json`/,
      );
      expect(md).not.toContain('did not run');
    });

    it('takes the IPv4 row of a dual-stack run of the default lab, and a case that did not run', () => {
      const dual = {
        name: 'failover-2026-12-08T00-00-00Z.json',
        doc: doc(
          [
            { ...ok('silent', '100x3', 320), family: 'ipv4' },
            { ...ok('silent', '100x3', 333), family: 'ipv6' },
            failedRow({ fault: 'freeze', bfd: '50x3' }, new Error('not at baseline before the fault')),
          ],
          '100x3,50x3',
        ),
      };
      const block = REPORT_BLOCKS.find((b) => b.id === 'failover')!;
      expect(block.fits(dual.doc)).toBe(true);
      expect(REPORT_BLOCKS.find((b) => b.id === 'failover-dual')!.fits(dual.doc)).toBe(false);
      const m = mergeFailover([dual, rerun, old] as never);
      expect(m.rows.map((r) => [r.fault, r.bfd, r.failoverMs.p50, 'family' in r])).toEqual([
        ['freeze', '20x3', 130, false],
        ['silent', '100x3', 320, false],
        ['freeze', '50x3', null, false],
      ]);
      // Another lab's dual-stack run stays in its own block.
      expect(block.fits({ ...dual.doc, lab: 'dual' })).toBe(false);
    });

    it('merges only files of the same lab and PoP; one file is its own table', () => {
      const iad = { name: 'failover-2026-12-07T00-00-00Z.json', doc: doc([ok('freeze', '100x3', 300)], '100x3', 'iad') };
      expect(mergeFailover([iad, rerun, old] as never).files.map((f) => f.name)).toEqual([iad.name]);
      const md = REPORT_BLOCKS.find((b) => b.id === 'failover')!.render(iad.doc, iad.name, [iad, rerun, old]);
      expect(md).toMatch(/^From `bench\/results\/failover-2026-12-07T00-00-00Z.json` \(`npm run bench -- failover --pop iad /);
    });
  });
});
