// `lab down`: everything is found by label, so it works after a crash, an
// edited lab file, or with no lab file at all (--all).

import { enginesOf } from '../runtime/federation.js';
import { removeLabRules } from '../runtime/host-firewall.js';
import { LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Progress } from './progress.js';

export interface DownResult {
  labs: string[];
  containers: number;
  networks: number;
  firewall: string;
  wallMs: number;
}

/**
 * lab = undefined removes every anycast-lab resource on the engine.
 * helperImage runs the host-firewall cleanup; without it the DOCKER-USER rules stay.
 */
export async function labDown(rt: ContainerRuntime, lab: string | undefined, progress: Progress, helperImage?: string): Promise<DownResult> {
  const t0 = performance.now();
  const filter = lab ? { [LABEL.lab]: lab } : { [LABEL.lab]: '' };
  const containers = await rt.listContainers(filter);
  const labs = new Set<string>([...containers.map((c) => c.labels[LABEL.lab])]);
  await Promise.all(
    containers.map(async (c) => {
      progress.step(c.labels[LABEL.node] ?? c.name, 'remove', c.name);
      await rt.removeContainer(c.id);
    }),
  );
  const networks = await rt.listNetworks(filter);
  for (const n of networks) labs.add(n.labels[LABEL.lab]);
  // Sequential: the engine serialises network removal anyway, and parallel
  // removes race with endpoint cleanup of just-removed containers.
  for (const n of networks) {
    progress.step(n.labels[LABEL.node] ?? n.name, 'remove network', n.name);
    await rt.removeNetwork(n.id);
  }
  let firewall = 'skipped (no helper image)';
  if (helperImage) {
    progress.step(lab ?? 'all', 'host firewall', 'remove DOCKER-USER rules');
    // Every host the lab ran on has its own rules (one engine: just this one).
    const engines = enginesOf(rt);
    const each = await Promise.all(
      engines.map(async (e) => {
        const r = await removeLabRules(e.rt, helperImage, lab).catch((err: Error) => `failed: ${err.message}`);
        return engines.length > 1 ? `${e.name}: ${r}` : r;
      }),
    );
    firewall = each.join('; ');
  }
  return {
    firewall,
    labs: [...labs].filter(Boolean).sort(),
    containers: containers.length,
    networks: networks.length,
    wallMs: Math.round(performance.now() - t0),
  };
}
