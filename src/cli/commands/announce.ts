// `lab announce <pop>`: end a drain made by `lab withdraw` (the marker goes; the
// PoP's health checker announces again once its responder is healthy).
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { setDrain } from '../../policy/live-policy.js';
import { defineCommand, jsonOption } from '../command.js';
import { positiveInt } from '../options.js';

export const announceCommand = defineCommand({
  name: 'announce',
  description: "end a PoP's drain: its health checker announces the anycast prefix again once healthy; show how the catchment moves",
  arguments: [{ name: '<pop>', description: 'a router that serves the anycast prefix' }],
  options: [
    { flags: '--lab <name>', description: 'lab name when several are up' },
    { flags: '--timeout <s>', description: 'how long the catchment may take to settle', default: '15' },
    jsonOption(),
  ],
  async run(ctx, [pop]: [string], o: { lab?: string; timeout: string; json?: boolean }) {
    const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
    const lab = await runningLab(ctx.rt, o.lab);
    const r = await setDrain(ctx.rt, lab, pop, false, { progress: ctx.progress(!!o.json), timeoutMs });
    ctx.print(!!o.json, r, () => renderChangeReport(r));
  },
});
