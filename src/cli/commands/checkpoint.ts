// `lab checkpoint save <name> | restore <name> | list`: capture what an attendee
// can change (policy, drains, vtysh-made config, the exercise in progress) and
// put it back, for "everyone restore after-policy".
import { join } from 'node:path';
import { LabError } from '../../errors.js';
import { listCheckpoints, loadCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../exercise/checkpoint.js';
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { whileAbortable } from '../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { REPO_ROOT } from '../context.js';
import { positiveInt } from '../options.js';

/** <dir>/<lab>/<name>.json: kept across down/up, ignored by git (.cache/). */
const CHECKPOINT_DIR = join(REPO_ROOT, '.cache', 'checkpoints');
const ACTIONS = ['save', 'restore', 'list'] as const;

export const checkpointCommand = defineCommand({
  name: 'checkpoint',
  description: 'save or restore what an attendee can change: policy overrides, drains, vtysh-made config, the exercise in progress',
  arguments: [
    { name: '<action>', description: ACTIONS.join(' | ') },
    { name: '[name]', description: 'the checkpoint (letters, digits, . _ -)' },
  ],
  options: [labOption(), { flags: '--timeout <s>', description: 'restore: how long the catchment may take to settle', default: '30' }, jsonOption()],
  helpAfter: `\nCheckpoints live in ${CHECKPOINT_DIR}/<lab>/<name>.json; restore applies only the differences and prints them.`,
  async run(ctx, [action, name]: [string, string?], o: { lab?: string; timeout: string; json?: boolean }) {
    if (!(ACTIONS as readonly string[]).includes(action)) throw new LabError('USAGE', `unknown checkpoint action "${action}" (valid: ${ACTIONS.join(', ')})`);
    const json = !!o.json;
    const lab = await runningLab(ctx.rt, o.lab);
    if (action === 'list') {
      const names = await listCheckpoints(CHECKPOINT_DIR, lab.name);
      return ctx.print(json, { lab: lab.name, checkpoints: names }, () => (names.length ? names.join('\n') : `no checkpoints for lab ${lab.name}`));
    }
    if (name === undefined) throw new LabError('USAGE', `checkpoint ${action} needs a name`);
    if (action === 'save') {
      const { file, checkpoint: cp } = await saveCheckpoint(ctx.rt, lab, CHECKPOINT_DIR, name);
      return ctx.print(json, { file, ...cp, config: Object.keys(cp.config) }, () =>
        [
          `checkpoint "${name}" of lab ${lab.name} saved: ${file}`,
          `  running config of ${Object.keys(cp.config).length} routers; drained: ${cp.drained.join(', ') || 'none'}; exercise in progress: ${cp.exercises.join(', ') || 'none'}`,
          `  back to it: npm run lab -- checkpoint restore ${name}`,
        ].join('\n'),
      );
    }
    const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
    const cp = await loadCheckpoint(CHECKPOINT_DIR, lab, name);
    await whileAbortable('checkpoint restore was interrupted', {}, async (signal) => {
      const r = await restoreCheckpoint(ctx.rt, lab, cp, { progress: ctx.progress(json), timeoutMs, signal });
      ctx.print(json, r, () => renderChangeReport(r));
    });
  },
});
