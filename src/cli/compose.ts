// `lab compose [file] [--check]`: writes docker-compose.yml for the lab.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../agent/build.js';
import { LabError } from '../errors.js';
import { writeArtifacts } from '../lab/artifacts.js';
import { renderCompose } from '../lab/compose.js';
import { loadLabFile } from '../topology/load.js';
import type { CliContext } from './main.js';

export function registerCompose(program: Command, ctx: CliContext): void {
  program
    .command('compose')
    .description('write the lab as docker-compose.yml (and render the configs it mounts)')
    .argument('[file]', 'lab file', join(REPO_ROOT, 'labs', 'default.yaml'))
    .option('--out <path>', 'where to write', join(REPO_ROOT, 'docker-compose.yml'))
    .option('--check', 'exit 1 if the file on disk differs from what would be written')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { out: string; check?: boolean; json?: boolean }) => {
      const lab = loadLabFile(file);
      const text = renderCompose(lab);
      const current = await readFile(o.out, 'utf8').catch(() => '');
      if (o.check) {
        const upToDate = current === text;
        ctx.print(!!o.json, { file: o.out, upToDate }, () => (upToDate ? `${o.out} is up to date` : `${o.out} is stale: run npm run lab -- compose`));
        if (!upToDate) throw new LabError('USAGE', `${o.out} is stale; regenerate it with \`npm run lab -- compose\``);
        return;
      }
      await writeArtifacts(lab, join(REPO_ROOT, 'frr-configs'));
      await writeFile(o.out, text);
      ctx.print(!!o.json, { file: o.out, changed: current !== text, services: (text.match(/^ {2}\S.*:$/gm) ?? []).length }, () => `wrote ${o.out}; start it with: docker compose up -d`);
    });
}
