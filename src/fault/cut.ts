// Both ends of every uplink go down, as when a fibre is cut: each router sees
// its interface lose link at once, zebra withdraws the connected route and
// bgpd drops the session (fast-external-failover) without waiting for BFD.
import type { FaultMode } from './fault.js';
import { preparedInterfaces, prepareInterfaces, run, uplinkInterfaces } from './uplinks.js';

const setLinks =
  (state: 'up' | 'down'): FaultMode['inject'] =>
  async (ctx) => {
    // Restore looks the interfaces up again: it must not depend on inject's state.
    const ends = state === 'down' ? await preparedInterfaces(ctx) : await uplinkInterfaces(ctx.rt, ctx.lab, ctx.pop);
    await Promise.all(
      ends.map(({ side, ifnames }) => {
        const script = ifnames.map((i) => `ip link set dev ${i} ${state}`).join(' && ');
        ctx.progress.step(side.node, `link ${state}`, ifnames.join(', '));
        return run(ctx.rt, side, `set uplink ${state}`, ['sh', '-c', script]);
      }),
    );
  };

export const cut: FaultMode = {
  name: 'cut',
  summary: 'both ends of every PoP uplink `ip link set down` (carrier loss)',
  detection: 'cut',
  recreatesNode: false,
  // Both ends lose carrier: the session drops at once, whatever BFD does.
  bfdMatters: false,
  prepare: prepareInterfaces,
  inject: setLinks('down'),
  restore: setLinks('up'),
};
