// docker pause: every process of the PoP stops (cgroup freezer) while its
// interfaces stay up, like a hung box. Neighbours notice through BFD or hold.
import { containerName } from '../runtime/labels.js';
import type { FaultMode } from './fault.js';

export const freeze: FaultMode = {
  name: 'freeze',
  summary: 'docker pause the PoP (all its processes stop, links stay up)',
  detection: 'silent',
  recreatesNode: false,
  bfdMatters: true,
  async inject(ctx) {
    ctx.progress.step(ctx.pop, 'pause');
    await ctx.rt.pauseContainer(containerName(ctx.lab.name, ctx.pop));
    // The pause may first wait for an exec in flight in the PoP (exec-gate.ts): this is when it froze.
    ctx.progress.step(ctx.pop, 'paused');
  },
  async restore(ctx) {
    const c = await ctx.rt.inspectContainer(containerName(ctx.lab.name, ctx.pop));
    if (c?.state === 'paused') await ctx.rt.unpauseContainer(c.id);
  },
};
