// `lab pack [--out file] [--json]`: one archive for installing the lab on a laptop with no registry.
import { join } from 'node:path';
import { DEFAULT_PACK_NAME, labPack, PROJECT_DIR } from '../../lab/pack.js';
import { whileAbortable } from '../abort-on-signals.js';
import { defineCommand, jsonOption } from '../command.js';
import { REPO_ROOT } from '../context.js';

const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const packCommand = defineCommand({
  name: 'pack',
  description: 'write one archive (images, npm packages, project) that installs the lab offline: prepare-host.sh --from <file>',
  options: [jsonOption(), { flags: '--out <file>', description: 'archive to write', default: join(REPO_ROOT, '..', DEFAULT_PACK_NAME) }],
  helpAfter: `\nOn each laptop (Docker engine and Node >= 20 already installed):\n  tar -xf ${DEFAULT_PACK_NAME} ${PROJECT_DIR} && cd ${PROJECT_DIR}\n  bash scripts/prepare-host.sh --from ../${DEFAULT_PACK_NAME}\n  npm run lab -- up`,
  async run(ctx, _args: [], o: { json?: boolean; out: string }) {
    await whileAbortable('pack was interrupted; its scratch directory has been removed', {}, async (signal) => {
      const r = await labPack(ctx.rt, { out: o.out, projectRoot: REPO_ROOT, progress: ctx.progress(!!o.json), signal });
      ctx.print(!!o.json, r, () =>
        [
          `wrote ${r.out}: ${mb(r.bytes)} in ${sec(r.ms.total)}`,
          `  images ${mb(r.parts.images)} (${r.manifest.images.router.ref}, ${r.manifest.images.client.ref}; ${sec(r.ms.images)})`,
          `  npm cache ${mb(r.parts.npmCache)} (${r.manifest.npm.packages} packages; ${sec(r.ms.npm)})`,
          `  project ${mb(r.parts.project)} (${r.manifest.project.files} files${r.manifest.project.commit ? ` at ${r.manifest.project.commit.slice(0, 12)}${r.manifest.project.dirty ? ' + local changes' : ''}` : ''})`,
          `  for ${r.manifest.platform} hosts; on each laptop: tar -xf ${r.out} ${PROJECT_DIR} && cd ${PROJECT_DIR} && bash scripts/prepare-host.sh --from ${r.out}`,
        ].join('\n'),
      );
    });
  },
});
