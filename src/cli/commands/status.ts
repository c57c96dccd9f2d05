// `lab status [lab] [--json]`: nodes, sessions and announce state, found by label.
import { labStatus } from '../../lab/status.js';
import { renderStatusTable } from '../../report/status-table.js';
import { defineCommand, jsonOption } from '../command.js';

export const statusCommand = defineCommand({
  name: 'status',
  description: 'nodes, BGP sessions, BFD peers and PoP announce state',
  arguments: [{ name: '[lab]', description: 'lab name (default: every lab)' }],
  options: [jsonOption()],
  async run(ctx, [lab]: [string | undefined], o: { json?: boolean }) {
    const s = await labStatus(ctx.rt, lab);
    ctx.print(!!o.json, s, () => renderStatusTable(s));
  },
});
