// `lab plan [file] [--json]`: what `up <file>` would change in the running
// lab, and why — nodes and links to add, remove, recreate, start or
// reconfigure in place — without touching anything (terraform plan).
import { dryRun } from '../../lab/lab-changes.js';
import { renderChanges } from '../../lab/live-plan.js';
import { loadLabFile } from '../../topology/load.js';
import { crossingLinks, placeLab, renderPlacement } from '../../topology/placement.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB } from '../context.js';

export const planCommand = defineCommand({
  name: 'plan',
  description: 'show what `up <file>` would change in the running lab, and why, without changing it',
  arguments: [{ name: '[file]', description: 'lab file', default: DEFAULT_LAB }],
  options: [jsonOption()],
  async run(ctx, [file]: [string], o: { json?: boolean }) {
    const lab = loadLabFile(file);
    const changes = await dryRun(ctx.rt, lab, CONFIG_ROOT);
    if (!lab.hosts) return ctx.print(!!o.json, changes, () => renderChanges(changes));
    // A lab spread over hosts: where each node runs, and which links become overlays.
    const { hosts } = lab;
    const placement = placeLab(lab, hosts);
    const crossing = crossingLinks(lab, placement);
    ctx.print(!!o.json, { ...changes, placement: { manager: hosts.manager, host: placement.host, crossing } }, () =>
      [renderChanges(changes), renderPlacement(hosts, placement, crossing)].join('\n\n'),
    );
  },
});
