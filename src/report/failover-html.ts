// The failover run as one self-contained HTML page, next to result.json:
// the distribution (a CDF of every affected client's failover time against
// the bound), the console report, and every trial's timeline inlined. No
// script, no external asset: it opens offline and prints. The page is pure;
// writeFailoverHtml reads the trial SVGs and writes it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailoverResult, FamilyFailover } from '../experiment/failover-result.js';
import { renderCdf } from './cdf-svg.js';
import { faultLabel, renderFailoverReport } from './failover-report.js';
import { esc } from './svg-style.js';

/** Every affected client-trial that moved: the failover times the CDF draws. */
export const movedFailoverMs = (r: Pick<FailoverResult, 'trials'> | FamilyFailover): number[] =>
  r.trials.flatMap((t) => t.clients.filter((c) => c.affected && typeof c.failoverMs === 'number').map((c) => c.failoverMs as number));

/** `timelines`: each trial's SVG text, by trial number (missing ones are left out). */
export function renderFailoverHtml(r: FailoverResult, timelines: Record<number, string>): string {
  const title = `failover: ${faultLabel(r)} ${r.pop}, BFD ${r.bfd} (lab ${r.lab})`;
  // A dual-stack run: one curve per family on the same axes.
  const series = r.ipv6
    ? [
        { label: `${r.family ?? 'ipv4'}: ${r.fault}, BFD ${r.bfd}`, values: movedFailoverMs(r), boundMs: r.bound.ms },
        { label: `ipv6: ${r.fault}, BFD ${r.bfd}`, values: movedFailoverMs(r.ipv6), boundMs: r.bound.ms },
      ]
    : [{ label: `${r.fault}, BFD ${r.bfd}`, values: movedFailoverMs(r), boundMs: r.bound.ms }];
  const cdf = renderCdf(`${title}: ${r.trials.length} trials`, series);
  const trials = r.trials
    .filter((t) => timelines[t.trial])
    .map((t) => {
      const cp = t.controlPlane ? `<p>control plane: ${esc(t.controlPlane.line)}</p>\n` : '';
      return `<section><h2>trial ${t.trial}</h2>\n${cp}${timelines[t.trial]}\n</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 1.5rem; color: #111827; }
pre { font-size: 12px; background: #f3f4f6; padding: 0.8rem; overflow-x: auto; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>Bound ${Math.round(r.bound.ms)} ms: ${esc(r.bound.basis)}. Seed ${r.seed} (replay with <code>--seed ${r.seed}</code>).</p>
${cdf}
<pre>${esc(renderFailoverReport(r))}</pre>
${trials}
</body>
</html>
`;
}

/** Writes report.html into `outDir`, inlining the trial SVGs the run wrote there; returns its path. */
export async function writeFailoverHtml(r: FailoverResult, outDir: string): Promise<string> {
  const timelines: Record<number, string> = {};
  for (const t of r.trials) if (t.svg) timelines[t.trial] = await readFile(t.svg, 'utf8').catch(() => '');
  const path = join(outDir, 'report.html');
  await writeFile(path, renderFailoverHtml(r, timelines));
  return path;
}
