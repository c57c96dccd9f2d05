// `lab break <pop> <mode>` / `lab restore <pop> <mode>`: break a PoP by hand
// and leave it broken (a workshop's "now watch"), then undo it. The same
// fault modes as `failover`, which times them; these show the catchment move.
import { FAULT_MODES, faultMode } from '../../fault/index.js';
import { setFault } from '../../fault/manual.js';
import { runningLab } from '../../lab/running-lab.js';
import { renderChangeReport } from '../../policy/catchment.js';
import type { Family } from '../../topology/model.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { CONFIG_ROOT } from '../context.js';
import { positiveInt } from '../options.js';

const modesHelp = `\nFault modes:\n${FAULT_MODES.map((m) => `  ${m.name.padEnd(8)} ${m.summary}`).join('\n')}`;

const faultCommand = (name: 'break' | 'restore', description: string) =>
  defineCommand({
    name,
    description,
    arguments: [
      { name: '<pop>', description: 'a router that serves the anycast prefix' },
      { name: '<mode>', description: `fault mode: ${FAULT_MODES.map((m) => m.name).join(', ')}` },
    ],
    options: [
      labOption(),
      {
        flags: '--family <family>',
        description: `hit one family only in a dual-stack lab (modes: ${FAULT_MODES.filter((m) => m.perFamily)
          .map((m) => m.name)
          .join(', ')}); e.g. service --family ipv6 withdraws only the IPv6 prefix`,
        choices: ['ipv4', 'ipv6'],
      },
      { flags: '--timeout <s>', description: 'how long the catchment may take to settle', default: '15' },
      jsonOption(),
    ],
    helpAfter: modesHelp,
    async run(ctx, [pop, modeName]: [string, string], o: { lab?: string; family?: Family; timeout: string; json?: boolean }) {
      const mode = faultMode(modeName);
      const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
      const lab = await runningLab(ctx.rt, o.lab);
      const opts = { progress: ctx.progress(!!o.json), timeoutMs, configRoot: CONFIG_ROOT, ...(o.family ? { family: o.family } : {}) };
      const r = await setFault(ctx.rt, lab, pop, mode, name === 'break', opts);
      ctx.print(!!o.json, r, () => renderChangeReport(r));
    },
  });

export const breakCommand = faultCommand('break', 'break a PoP with a fault mode and leave it broken; show how the catchment moves');
export const restoreCommand = faultCommand('restore', 'undo a fault mode on a PoP (safe to repeat); show how the catchment moves back');
