// `lab trace <node> [target] [--json]`: traceroute from inside a client (or a
// router, to trace the way back), each hop named with its router, role and
// AS, and the AS path. Default target: the anycast DNS address.
import { runningLab } from '../../lab/running-lab.js';
import { renderTraceTable } from '../../probe/trace.js';
import { traceFrom } from '../../probe/trace-run.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const traceCommand = defineCommand({
  name: 'trace',
  description: "traceroute from a client (or router) with each hop's router, role and AS, and the AS path (default target: the anycast DNS address)",
  arguments: [
    { name: '<node>', description: 'client or router to trace from' },
    { name: '[target]', description: 'IPv4 address in the lab, or a node name (a client, an eyeball, a neighbour)' },
  ],
  options: [labOption(), jsonOption()],
  helpAfter:
    '\nExamples:\n  npm run lab -- trace c-us            # which PoP, through which ASes\n  npm run lab -- trace iad c-us        # the way back, from the PoP\n',
  async run(ctx, [node, target]: [string, string | undefined], o: { lab?: string; json?: boolean }) {
    const lab = await runningLab(ctx.rt, o.lab);
    const r = await traceFrom(ctx.rt, lab, node, target, ctx.progress(!!o.json));
    ctx.print(!!o.json, r, () => renderTraceTable(r));
  },
});
