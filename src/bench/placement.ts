// `npm run bench -- placement`: how many links automatic placement sends
// across hosts (each one a Swarm overlay, and every overlay a raft entry:
// ~1,700 overflowed raft, swarmkit#2655) for generated labs over 2–8 hosts,
// and how evenly it spreads routers. Pure computation on the lab files: no
// engine is touched; the numbers docs/scale-out.md projects from.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { versioned } from '../schema-version.js';
import { generate } from '../topology/generate.js';
import type { LabHosts } from '../topology/hosts.js';
import { parseLab } from '../topology/load.js';
import { crossingLinks, placeLab } from '../topology/placement.js';
import { timestamp } from '../util/timestamp.js';

export interface PlacementRow {
  pops: number;
  transits: number;
  eyeballs: number;
  hosts: number;
  routers: number;
  /** Routers per host, in host order. */
  routersPerHost: number[];
  /** Docker networks of the lab (links and LANs, the collector's included). */
  networks: number;
  /** Of them, crossing hosts: each an overlay. */
  overlays: number;
  /** Transit–transit links, the bound automatic placement keeps overlays under (plus the collector's LAN). */
  transitLinks: number;
}

/** Pure: one row per lab size and host count. */
export function placementRows(sizes: readonly [number, number, number][], hostCounts: readonly number[]): PlacementRow[] {
  const rows: PlacementRow[] = [];
  for (const [pops, transits, eyeballs] of sizes) {
    const g = generate({ pops, transits, eyeballs });
    const lab = parseLab(g.yaml, `${g.name}.yaml`);
    for (const n of hostCounts) {
      const hosts: LabHosts = {
        hosts: Array.from({ length: n }, (_, i) => ({
          name: `h${i + 1}`,
          endpoint: `ssh://h${i + 1}`,
          engine: { kind: 'ssh' as const, host: `h${i + 1}`, port: 22 },
        })),
        manager: 'h1',
        pinned: {},
      };
      const placement = placeLab(lab, hosts);
      const transitNames = new Set(lab.routers.filter((r) => r.role === 'transit').map((r) => r.name));
      rows.push({
        pops,
        transits,
        eyeballs,
        hosts: n,
        routers: lab.routers.length,
        routersPerHost: placement.hosts.map((h) => h.routers.length),
        networks: lab.links.length + lab.lans.length + (lab.collector ? 1 : 0),
        overlays: crossingLinks(lab, placement).length,
        transitLinks: lab.links.filter((l) => transitNames.has(l.a.node) && transitNames.has(l.b.node)).length,
      });
    }
  }
  return rows;
}

export function runPlacementBench(resultsDir: string) {
  const sizes: [number, number, number][] = [
    [40, 10, 10],
    [100, 25, 25],
    [160, 40, 40],
  ];
  const hostCounts = [2, 4, 8];
  const result = { bench: 'placement', at: new Date().toISOString(), rows: placementRows(sizes, hostCounts), reproduce: 'npm run bench -- placement' };
  const file = join(resultsDir, `placement-${timestamp()}.json`);
  writeFileSync(file, `${JSON.stringify(versioned(result), null, 2)}\n`);
  return { ...result, file };
}

export function renderPlacementBench(r: ReturnType<typeof runPlacementBench>): string {
  return [
    'PoPs/transits/eyeballs  hosts  routers per host        networks  overlays  transit links',
    ...r.rows.map(
      (x) =>
        `${`${x.pops}/${x.transits}/${x.eyeballs}`.padEnd(23)} ${String(x.hosts).padEnd(6)} ${x.routersPerHost.join(' ').padEnd(23)} ${String(x.networks).padEnd(9)} ${String(x.overlays).padEnd(9)} ${x.transitLinks}`,
    ),
    `  → ${r.file}`,
  ].join('\n');
}
