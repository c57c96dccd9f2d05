// `lab vtysh <router> [args…]`: a router's own CLI, as `exec <router> -- vtysh`
// (interactive at a terminal; `-c '…'` and piped input work too). A
// shortcut because it is the first thing an attendee types in a lab.
import { findNodeOfKind } from '../../lab/find-node.js';
import { runAttached } from '../attach-terminal.js';
import { defineCommand, labOption } from '../command.js';

export const vtyshCommand = defineCommand({
  name: 'vtysh',
  description: "a router's vtysh (= exec <router> -- vtysh): lab vtysh fra, or lab vtysh fra -c 'show bgp summary'",
  arguments: [{ name: '<router>' }, { name: '[args...]', description: 'passed to vtysh', default: [] }],
  options: [labOption()],
  passThroughOptions: true,
  async run(ctx, [router, args]: [string, string[]], o: { lab?: string }) {
    const c = await findNodeOfKind(ctx.rt, router, 'router', o.lab);
    if (args[0] === '--') args = args.slice(1);
    process.exitCode = await runAttached(ctx.rt, c.id, ['vtysh', ...args], ctx.terminal);
  },
});
