// Both ends of every uplink go down, as when a fibre is cut: each router sees
// its interface lose link at once, zebra withdraws the connected route and
// bgpd drops the session (fast-external-failover) without waiting for BFD.
import type { FaultMode } from './fault.js';
import { restoreOverlayIpv6 } from './recreate-node.js';
import { onEveryUplinkEnd, prepareInterfaces, uplinkEnds } from './uplinks.js';

const setLinks =
  (state: 'up' | 'down'): FaultMode['inject'] =>
  (ctx) =>
    onEveryUplinkEnd(ctx, state === 'down' ? 'inject' : 'restore', `set uplink ${state}`, (ifnames) => ({
      cmd: ['sh', '-c', ifnames.map((i) => `ip link set dev ${i} ${state}`).join(' && ')],
      detail: ifnames.join(', '),
    }));

export const cut: FaultMode = {
  name: 'cut',
  summary: 'both ends of every PoP uplink `ip link set down` (carrier loss)',
  detection: 'cut',
  recreatesNode: false,
  // Both ends lose carrier: the session drops at once, whatever BFD does.
  bfdMatters: false,
  prepare: prepareInterfaces,
  inject: setLinks('down'),
  async restore(ctx) {
    await setLinks('up')(ctx);
    // A lab over several hosts: `ip link set down` flushed the overlay ends' permanent IPv6 neighbours.
    await restoreOverlayIpv6(
      ctx.rt,
      ctx.lab,
      uplinkEnds(ctx.lab, ctx.pop).map((s) => s.node),
      ctx.configRoot,
    );
  },
};
