// `lab who [lab] [--json]`: which PoP answers each client, over UDP DNS, TCP
// DNS, NSID and HTTP, asked from inside every client at once, next to the
// catchment the lab file promises.
import { runningLab } from '../../lab/running-lab.js';
import { askWho } from '../../probe/ask-clients.js';
import { renderWhoTable } from '../../probe/who.js';
import { defineCommand, jsonOption } from '../command.js';

export const whoCommand = defineCommand({
  name: 'who',
  description: 'which PoP answers each client (UDP/TCP DNS, NSID, HTTP), against expect.pop in the lab file',
  arguments: [{ name: '[lab]', description: 'lab name (may be omitted when one lab is up)' }],
  options: [jsonOption('machine-readable output on stdout')],
  async run(ctx, [lab]: [string | undefined], o: { json?: boolean }) {
    // The lab file gives the service addresses and each client's expect.pop.
    const r = await askWho(ctx.rt, await runningLab(ctx.rt, lab, 'name one: npm run lab -- who <lab>'));
    ctx.print(!!o.json, r, () => renderWhoTable(r));
  },
});
