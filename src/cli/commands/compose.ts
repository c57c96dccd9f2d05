// `lab compose [file] [--check]`: writes docker-compose.yml for the lab.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../../errors.js';
import { writeArtifacts } from '../../lab/artifacts.js';
import { renderCompose } from '../../lab/compose.js';
import { loadLabFile } from '../../topology/load.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB, REPO_ROOT } from '../context.js';

export const composeCommand = defineCommand({
  name: 'compose',
  description: 'write the lab as docker-compose.yml (and render the configs it mounts)',
  arguments: [{ name: '[file]', description: 'lab file', default: DEFAULT_LAB }],
  options: [
    { flags: '--out <path>', description: 'where to write', default: join(REPO_ROOT, 'docker-compose.yml') },
    { flags: '--check', description: 'exit 1 if the file on disk differs from what would be written' },
    jsonOption('machine-readable output'),
  ],
  async run(ctx, [file]: [string], o: { out: string; check?: boolean; json?: boolean }) {
    const lab = loadLabFile(file);
    const text = renderCompose(lab);
    const current = await readFile(o.out, 'utf8').catch(() => '');
    if (o.check) {
      const upToDate = current === text;
      ctx.print(!!o.json, { file: o.out, upToDate }, () => (upToDate ? `${o.out} is up to date` : `${o.out} is stale: run npm run lab -- compose`));
      if (!upToDate) throw new LabError('OUT_OF_DATE', `${o.out} is stale; regenerate it with \`npm run lab -- compose\``);
      return;
    }
    await writeArtifacts(lab, CONFIG_ROOT);
    await writeFile(o.out, text);
    ctx.print(
      !!o.json,
      { file: o.out, changed: current !== text, services: (text.match(/^ {2}\S.*:$/gm) ?? []).length },
      () => `wrote ${o.out}; start it with: docker compose up -d`,
    );
  },
});
