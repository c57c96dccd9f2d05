// `lab lg <router> [vtysh command…]`: a looking glass; by default the paths to
// the lab's anycast prefix.
import { LabError } from '../../errors.js';
import { findNodeContainer } from '../../lab/find-node.js';
import { bgpPathsCommand } from '../../lab/looking-glass.js';
import { vtysh } from '../../lab/router-query.js';
import { containerName } from '../../runtime/labels.js';
import { DEFAULTS } from '../../topology/resolve.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const lgCommand = defineCommand({
  name: 'lg',
  description: "looking glass: run a vtysh command on a router (default: the anycast prefix's paths)",
  arguments: [{ name: '<router>' }, { name: '[command...]', description: 'vtysh command', default: [] }],
  options: [labOption(), jsonOption()],
  async run(ctx, [router, words]: [string, string[]], o: { lab?: string; json?: boolean }) {
    const c = await findNodeContainer(ctx.rt, router, o.lab);
    if (c.kind !== 'router') throw new LabError('USAGE', `${router} is a ${c.kind}, not a router; lg runs vtysh on routers`);
    // No prefix when the lab file no longer loads: the schema's default then.
    const command = words.length ? words.join(' ') : bgpPathsCommand(c.anycastPrefix ?? DEFAULTS.prefix);
    const wantsJson = o.json && !/\bjson$/.test(command);
    const out = await vtysh(ctx.rt, containerName(c.lab, c.node), wantsJson ? `${command} json` : command);
    if (o.json) ctx.print(true, { router, command, output: safeJson(out) }, () => '');
    else process.stdout.write(out);
  },
});

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
