// `lab down [file] [--all] [--json]`: remove a lab by its labels.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LabFileError } from '../../errors.js';
import { labDown } from '../../lab/down.js';
import { forgetHosts } from '../../lab/hosts-runtime.js';
import { helperImage } from '../../runtime/image-store.js';
import { loadLabFile } from '../../topology/load.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB } from '../context.js';

export const downCommand = defineCommand({
  name: 'down',
  description: 'remove a lab (every container and network carrying its label)',
  arguments: [{ name: '[file]', description: 'lab file (its name selects the lab)', default: DEFAULT_LAB }],
  options: [{ flags: '--all', description: 'remove every anycast-lab resource on this engine, whatever lab' }, jsonOption()],
  async run(ctx, [file]: [string], o: { all?: boolean; json?: boolean }) {
    const name = o.all ? undefined : labNameOf(file);
    const r = await labDown(ctx.rt, name, ctx.progress(!!o.json), await helperImage(ctx.rt));
    // Nothing of it runs on any host now: later commands need not reach them.
    forgetHosts(CONFIG_ROOT, name);
    await ctx.classroom?.report({ type: 'down', lab: name });
    ctx.print(
      !!o.json,
      r,
      () =>
        `removed ${r.containers} containers and ${r.networks} networks${r.labs.length ? ` (${r.labs.join(', ')})` : ''} in ${(r.wallMs / 1000).toFixed(1)} s`,
    );
  },
});

/** `down` must work with a lab file that no longer validates: fall back to its name field, then its file name. */
function labNameOf(file: string): string {
  try {
    return loadLabFile(file).name;
  } catch (err) {
    if (!(err instanceof LabFileError)) throw err;
    const m = /^name:\s*([a-z][a-z0-9-]*)\s*$/m.exec(readFileSafe(file));
    return m?.[1] ?? basename(file).replace(/\.ya?ml$/, '');
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
