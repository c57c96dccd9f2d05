// `lab withdraw <pop>`: drain a PoP for maintenance. The PoP's health checker
// owns its announcement, so the drain is a marker it honours, not a `no network`
// it would undo; `announce` removes it.
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { setDrain } from '../../policy/live-policy.js';
import { defineCommand, jsonOption } from '../command.js';
import { positiveInt } from '../options.js';

export const withdrawCommand = defineCommand({
  name: 'withdraw',
  description: 'drain a PoP: its health checker withdraws the anycast prefix and keeps it withdrawn; show how the catchment moves',
  arguments: [{ name: '<pop>', description: 'a router that serves the anycast prefix' }],
  options: [
    { flags: '--lab <name>', description: 'lab name when several are up' },
    { flags: '--timeout <s>', description: 'how long the catchment may take to settle', default: '15' },
    jsonOption(),
  ],
  async run(ctx, [pop]: [string], o: { lab?: string; timeout: string; json?: boolean }) {
    const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
    const lab = await runningLab(ctx.rt, o.lab);
    const r = await setDrain(ctx.rt, lab, pop, true, { progress: ctx.progress(!!o.json), timeoutMs });
    ctx.print(!!o.json, r, () => renderChangeReport(r));
  },
});
