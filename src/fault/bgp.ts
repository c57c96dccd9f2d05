// bgpd dies and stays dead; zebra, bfdd and the services keep running. The
// kernel closes bgpd's TCP sessions, so neighbours see a FIN/RST at once.
// watchfrr would restart bgpd within ~5 s, so it is stopped (SIGSTOP) for the
// fault. While it is stopped vtysh hangs on its socket (vtysh connects to
// every daemon), so restore starts bgpd the way watchfrr does
// (`watchfrr.sh start bgpd` loads bgpd's part of frr.conf with `vtysh -b -d
// bgpd`) and only then resumes watchfrr.
import { containerName } from '../runtime/labels.js';
import type { FaultMode } from './fault.js';
import { run } from './uplinks.js';

export const bgp: FaultMode = {
  name: 'bgp',
  summary: 'SIGKILL bgpd in the PoP (watchfrr held); restore restarts it with its config',
  detection: 'cut',
  async inject(ctx) {
    const side = { node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) };
    ctx.progress.step(ctx.pop, 'kill bgpd', 'watchfrr stopped');
    await run(ctx.rt, side, 'stop bgpd', ['sh', '-c', 'kill -STOP $(pgrep -x watchfrr) && kill -KILL $(pgrep -x bgpd)']);
  },
  async restore(ctx) {
    const side = { node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) };
    try {
      await run(ctx.rt, side, 'start bgpd', ['sh', '-c', 'pgrep -x bgpd >/dev/null || /usr/lib/frr/watchfrr.sh start bgpd </dev/null >/dev/null 2>&1']);
    } finally {
      await run(ctx.rt, side, 'resume watchfrr', ['sh', '-c', 'kill -CONT $(pgrep -x watchfrr)']);
    }
  },
};
