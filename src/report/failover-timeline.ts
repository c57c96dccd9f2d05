// One SVG timeline per failover trial, written next to the result JSON. Kept
// out of the trial loop: the trial measures, this draws what it measured.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialRecord } from '../experiment/failover.js';
import { formatMs as fmt } from '../util/format.js';
import { renderTimeline } from './svg-timeline.js';

/** Writes trial-NN-<fault>-<pop>.svg and returns its path. */
export async function writeTrialTimeline(i: TrialRecord): Promise<string> {
  const { trial: t } = i;
  const path = join(i.outDir, `trial-${String(t.trial).padStart(2, '0')}-${i.fault}-${i.pop}.svg`);
  const endMs = Math.max(...i.runs.flatMap((r) => r.samples.map((x) => x.sentMs)), t.restoreMs);
  const routerNote = t.routers
    .filter((r) => r.role === 'neighbour')
    .map((r) => `${r.router}: session down ${fmt(r.bgpDownMs)}, route ${fmt(r.routeChangeMs)}`)
    .join('; ');
  await writeFile(
    path,
    renderTimeline({
      title: `${i.fault} ${i.pop} — trial ${t.trial}, BFD ${i.bfd} (lab ${i.lab})`,
      subtitle: `UDP DNS probes every ${i.probeIntervalMs} ms, coloured by the answering PoP. ${routerNote}`,
      clients: i.runs.map((r) => ({ client: r.client, samples: r.samples })),
      faultMs: t.faultMs,
      restoreMs: t.restoreMs,
      startMs: t.faultMs - i.preFaultMs,
      endMs,
      failedPop: i.failedPop,
    }),
  );
  return path;
}
