// docker kill: the PoP is gone, its interfaces with it. The neighbours' bridge
// ports keep carrier, so they notice through BFD, the hold timer, or the TCP
// FIN the dying bgpd may still get out. Restore recreates the container from
// the lab plan, exactly as `up` would.

import { containerName } from '../runtime/labels.js';
import type { FaultMode } from './fault.js';
import { recreateNode } from './recreate-node.js';

export const kill: FaultMode = {
  name: 'kill',
  summary: 'docker kill the PoP; restore recreates it from the lab plan',
  detection: 'silent',
  recreatesNode: true,
  bfdMatters: true,
  async inject(ctx) {
    ctx.progress.step(ctx.pop, 'kill');
    await ctx.rt.killContainer(containerName(ctx.lab.name, ctx.pop));
  },
  async restore(ctx) {
    const c = await ctx.rt.inspectContainer(containerName(ctx.lab.name, ctx.pop));
    if (c?.state === 'running') return;
    ctx.progress.step(ctx.pop, 'recreate', 'from the lab plan');
    await recreateNode(ctx.rt, ctx.lab, ctx.pop, { configRoot: ctx.configRoot });
  },
};
