// Drain a PoP for a while: remove the anycast `network` statement from its
// BGP (what the PoP's health checker does on failure), and put it back after.
// The health checker only acts on a change of its own state (it reconciles
// when healthy ↔ unhealthy flips, agent/pop/health-checker.ts), so a drained
// PoP that stays healthy stays withdrawn. Undrain re-announces only if the
// checker has not withdrawn on its own meanwhile (health.json), so it never
// announces a PoP the checker found broken.
import { POP_PATHS } from '../agent/contract.js';
import { LabError } from '../errors.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Lab } from '../topology/model.js';
import { findRouter } from '../topology/model.js';
import { vtysh } from './router-query.js';

export function popDrain(rt: ContainerRuntime, lab: Lab): { drain(pop: string): Promise<void>; undrain(pop: string): Promise<void> } {
  const network = async (pop: string, announce: boolean) => {
    const r = findRouter(lab, pop);
    if (!r) throw new LabError('USAGE', `no router "${pop}" in lab ${lab.name}`);
    await vtysh(rt, containerName(lab.name, pop), 'configure terminal', `router bgp ${r.asn}`, `${announce ? '' : 'no '}network ${lab.anycast.prefix}`);
  };
  return {
    drain: (pop) => network(pop, false),
    async undrain(pop) {
      const h = await rt.exec(containerName(lab.name, pop), ['cat', POP_PATHS.health], { timeoutMs: 5000 }).catch(() => undefined);
      let state: string | null | undefined;
      try {
        state = (JSON.parse(h?.stdout ?? '') as { state?: string | null }).state;
      } catch {
        // no health file: announce, as frr.conf would
      }
      if (state === 'withdrawn') return;
      await network(pop, true);
    },
  };
}
