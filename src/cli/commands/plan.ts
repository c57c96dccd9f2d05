// `lab plan [file] [--json]`: what `up <file>` would change in the running
// lab, and why — nodes and links to add, remove, recreate, start or
// reconfigure in place — without touching anything (terraform plan).
import { dryRun } from '../../lab/lab-changes.js';
import { renderChanges } from '../../lab/live-plan.js';
import { loadLabFile } from '../../topology/load.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB } from '../context.js';

export const planCommand = defineCommand({
  name: 'plan',
  description: 'show what `up <file>` would change in the running lab, and why, without changing it',
  arguments: [{ name: '[file]', description: 'lab file', default: DEFAULT_LAB }],
  options: [jsonOption()],
  async run(ctx, [file]: [string], o: { json?: boolean }) {
    const changes = await dryRun(ctx.rt, loadLabFile(file), CONFIG_ROOT);
    ctx.print(!!o.json, changes, () => renderChanges(changes));
  },
});
