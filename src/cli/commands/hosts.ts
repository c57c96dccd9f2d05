// `lab hosts check [file] [--json]`: whether every host of a lab file's
// `hosts:` can carry its part of the lab (engine, Swarm, VXLAN, memory, clock).

import { LabError } from '../../errors.js';
import { hostEngine } from '../../host/host-engines.js';
import { checkHosts, renderHostsCheck } from '../../host/hosts-check.js';
import { loadLabFile } from '../../topology/load.js';
import { defineCommand, jsonOption } from '../command.js';
import { DEFAULT_LAB } from '../context.js';

export const hostsCommand = defineCommand({
  name: 'hosts',
  description: 'check the hosts of a lab file (hosts:): engine, Swarm membership, VXLAN, free memory, clock offset',
  arguments: [
    { name: '<action>', description: 'check' },
    { name: '[file]', description: 'lab file', default: DEFAULT_LAB },
  ],
  options: [jsonOption()],
  async run(ctx, [action, file]: [string, string], o: { json?: boolean }) {
    if (action !== 'check') throw new LabError('USAGE', `unknown action "${action}" (expected: check)`);
    const lab = loadLabFile(file);
    if (!lab.hosts) throw new LabError('USAGE', `${file} has no hosts: list; a lab on one local engine needs no hosts check (lab doctor checks this engine)`);
    const r = await checkHosts(
      lab.hosts.hosts.map((h) => hostEngine(h, lab.file)),
      lab.hosts.manager,
    );
    ctx.print(!!o.json, r, () => renderHostsCheck(r));
    // A report, not an error: the checks are on stdout, the status says whether all passed.
    if (!r.ok) process.exitCode = 1;
  },
});
