// `lab exec <node> -- <cmd…>`: a command in a node; its exit code is ours.
import { findNodeContainer } from '../../lab/find-node.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const execCommand = defineCommand({
  name: 'exec',
  description: 'run a command in a node: lab exec c-de -- dig @192.0.2.53 hostname.bind CH TXT',
  arguments: [{ name: '<node>' }, { name: '<cmd...>' }],
  options: [labOption(), jsonOption()],
  passThroughOptions: true,
  async run(ctx, [node, cmd]: [string, string[]], o: { lab?: string; json?: boolean }) {
    const c = await findNodeContainer(ctx.rt, node, o.lab);
    // `lab exec c-de -- dig …`: the separator is for people, not the command.
    if (cmd[0] === '--') cmd = cmd.slice(1);
    const r = await ctx.rt.exec(c.id, cmd, { timeoutMs: 300_000 });
    if (o.json) ctx.print(true, { node, cmd, ...r }, () => '');
    else {
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
    }
    // The command's own status, not an error of ours.
    process.exitCode = r.exitCode;
  },
});
