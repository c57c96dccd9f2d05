// One SVG timeline per failover trial, written next to the result JSON. Kept
// out of the trial loop: the trial measures, this draws what it measured.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialRecord } from '../experiment/failover.js';
import { samplesOf } from '../probe/sample.js';
import { formatMs as fmt } from '../util/format.js';
import { renderTimeline, type TimelineRow } from './svg-timeline.js';

/** Writes trial-NN-<fault>-<pop>.svg and returns its path. */
export async function writeTrialTimeline(i: TrialRecord): Promise<string> {
  const { trial: t } = i;
  const path = join(i.outDir, `trial-${String(t.trial).padStart(2, '0')}-${i.fault}-${i.pop}.svg`);
  const endMs = Math.max(...i.runs.flatMap((r) => r.samples.map((x) => x.sentMs)), t.restoreMs);
  const families = i.families;
  const routerNote = t.routers
    .filter((r) => r.role === 'neighbour')
    .map(
      (r) =>
        `${r.router}: session down ${fmt(r.bgpDownMs)}, route ${fmt(r.routeChangeMs)}${families && r.routeChange6Ms !== undefined ? `, /48 ${fmt(r.routeChange6Ms)}` : ''}`,
    )
    .join('; ');
  // Both families timed: each client's two rows together, so its IPv4 and IPv6 moves line up one above the other.
  const rows: TimelineRow[] = families
    ? i.runs.flatMap((r) => families.map((family) => ({ client: r.client, family, samples: samplesOf(r.samples, family) })))
    : i.runs.map((r) => ({ client: r.client, samples: r.samples }));
  const each = families ? ', one row per client and family' : '';
  await writeFile(
    path,
    renderTimeline({
      title: `${i.fault} ${i.pop} — trial ${t.trial}, BFD ${i.bfd} (lab ${i.lab})`,
      subtitle: `UDP DNS probes every ${i.probeIntervalMs} ms${each}, coloured by the answering PoP. ${routerNote}`,
      clients: rows,
      faultMs: t.faultMs,
      restoreMs: t.restoreMs,
      startMs: t.faultMs - i.preFaultMs,
      endMs,
      failedPop: i.failedPop,
    }),
  );
  return path;
}
