// `lab withdraw <pop>` / `lab announce <pop>`: drain a PoP for maintenance and
// end the drain. The PoP's health checker owns its announcement, so the drain
// is a marker it honours, not a `no network` it would undo; `announce`
// removes the marker and the checker announces again once its responder is
// healthy. Both show how the catchment moves.
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { setDrain } from '../../policy/live-policy.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { positiveInt } from '../options.js';

const drainCommand = (name: string, drained: boolean, description: string) =>
  defineCommand({
    name,
    description,
    arguments: [{ name: '<pop>', description: 'a router that serves the anycast prefix' }],
    options: [labOption(), { flags: '--timeout <s>', description: 'how long the catchment may take to settle', default: '15' }, jsonOption()],
    async run(ctx, [pop]: [string], o: { lab?: string; timeout: string; json?: boolean }) {
      const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
      const lab = await runningLab(ctx.rt, o.lab);
      const r = await setDrain(ctx.rt, lab, pop, drained, { progress: ctx.progress(!!o.json), timeoutMs });
      ctx.print(!!o.json, r, () => renderChangeReport(r));
    },
  });

export const withdrawCommand = drainCommand(
  'withdraw',
  true,
  'drain a PoP: its health checker withdraws the anycast prefix and keeps it withdrawn; show how the catchment moves',
);

export const announceCommand = drainCommand(
  'announce',
  false,
  "end a PoP's drain: its health checker announces the anycast prefix again once healthy; show how the catchment moves",
);
