// bgpd dies and stays dead; zebra, bfdd and the services keep running. The
// kernel closes bgpd's TCP sessions, so neighbours see a FIN/RST at once.
// Nothing restarts bgpd behind our back: FRR's daemons are started directly
// by frr-start.sh (no watchfrr), so restore starts it the same way, with its
// part of frr.conf applied and checked before the ready marker returns.
import { containerName } from '../runtime/labels.js';
import type { FaultMode } from './fault.js';
import { run } from './uplinks.js';

export const bgp: FaultMode = {
  name: 'bgp',
  summary: 'SIGKILL bgpd in the PoP; restore restarts it with its config',
  detection: 'cut',
  recreatesNode: false,
  // The kernel resets bgpd's sessions at once; BFD has nothing to add.
  bfdMatters: false,
  async inject(ctx) {
    const side = { node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) };
    ctx.progress.step(ctx.pop, 'kill bgpd');
    await run(ctx.rt, side, 'kill bgpd', ['sh', '-c', 'kill -KILL $(pgrep -x bgpd)']);
  },
  async restore(ctx) {
    const side = { node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) };
    await run(ctx.rt, side, 'start bgpd', ['/bin/bash', '/opt/anycast-lab/frr-start.sh', 'bgpd']);
  },
};
