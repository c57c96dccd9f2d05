// `lab exec <node> -- <cmd…>`: a command in a node, like `docker exec -i`
// (and `-t` when stdin is a terminal); its exit code is ours. With --json it
// is one-shot: no input, output captured into the document.
import { findNodeContainer } from '../../lab/find-node.js';
import { runAttached } from '../attach-terminal.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const execCommand = defineCommand({
  name: 'exec',
  description: 'run a command in a node (interactive when typed at a terminal): lab exec c-de -- dig @192.0.2.53 hostname.bind CH TXT',
  arguments: [{ name: '<node>' }, { name: '<cmd...>' }],
  options: [labOption(), jsonOption()],
  passThroughOptions: true,
  async run(ctx, [node, cmd]: [string, string[]], o: { lab?: string; json?: boolean }) {
    const c = await findNodeContainer(ctx.rt, node, o.lab);
    // `lab exec c-de -- dig …`: the separator is for people, not the command.
    if (cmd[0] === '--') cmd = cmd.slice(1);
    if (o.json) {
      const r = await ctx.rt.exec(c.id, cmd, { timeoutMs: 300_000 });
      ctx.print(true, { node, cmd, ...r }, () => '');
      // The command's own status, not an error of ours.
      process.exitCode = r.exitCode;
      return;
    }
    process.exitCode = await runAttached(ctx.rt, c.id, cmd, ctx.terminal);
  },
});
