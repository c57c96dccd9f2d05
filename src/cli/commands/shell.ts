// `lab shell <node>`: a shell in any node (router, client, collector), as
// `exec <node> -- bash`; sh where an image has no bash.
import { findNodeContainer } from '../../lab/find-node.js';
import { runAttached } from '../attach-terminal.js';
import { defineCommand, labOption } from '../command.js';

/** One exec, no probe first: sh picks the shell inside the node. */
export const SHELL_CMD = ['sh', '-c', 'command -v bash >/dev/null && exec bash || exec sh'];

export const shellCommand = defineCommand({
  name: 'shell',
  description: 'a shell in a node (= exec <node> -- bash, or sh without bash): lab shell c-de',
  arguments: [{ name: '<node>' }],
  options: [labOption()],
  async run(ctx, [node]: [string], o: { lab?: string }) {
    const c = await findNodeContainer(ctx.rt, node, o.lab);
    process.exitCode = await runAttached(ctx.rt, c.id, SHELL_CMD, ctx.terminal);
  },
});
