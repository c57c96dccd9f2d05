// `lab up [file] [--timeout s] [--dry-run] [--json]`: bring a lab up and wait until it has converged.
import { join } from 'node:path';
import { FAULT_MODES } from '../../fault/index.js';
import { dryRun } from '../../lab/lab-changes.js';
import { renderChanges } from '../../lab/live-plan.js';
import { labUp } from '../../lab/up.js';
import { renderChangeReport } from '../../policy/catchment.js';
import { resetAll } from '../../policy/live-policy.js';
import { loadLabFile } from '../../topology/load.js';
import { whileAbortable } from '../abort-on-signals.js';
import { defineCommand, jsonOption } from '../command.js';
import { CONFIG_ROOT, DEFAULT_LAB } from '../context.js';
import { positiveInt } from '../options.js';

const sec = (ms: number) => (ms / 1000).toFixed(1);

export const upCommand = defineCommand({
  name: 'up',
  description: 'bring a lab up and wait until it has converged',
  arguments: [{ name: '[file]', description: 'lab file', default: DEFAULT_LAB }],
  options: [
    jsonOption(),
    { flags: '--timeout <s>', description: 'convergence deadline in seconds', default: '120' },
    { flags: '--dry-run', description: 'only show what would change in the running lab, and why (as `lab plan`)' },
    // Without it, live overrides (lab policy, withdraw) survive an unchanged lab file: `up` leaves them alone.
    { flags: '--reset', description: "also undo live overrides: every session back to the lab file's policy, every drained PoP announced" },
  ],
  async run(ctx, [file]: [string], o: { json?: boolean; timeout: string; reset?: boolean; dryRun?: boolean }) {
    const timeoutMs = positiveInt('--timeout', o.timeout) * 1000;
    const lab = loadLabFile(file, { faultModes: FAULT_MODES.map((m) => m.name) });
    if (o.dryRun) {
      const changes = await dryRun(ctx.rt, lab, CONFIG_ROOT);
      ctx.print(!!o.json, changes, () => renderChanges(changes));
      return;
    }
    // Ctrl-C: stop at the next step and remove what this run created. A
    // second Ctrl-C leaves at once (`down` still finds everything by label).
    const progress = ctx.progress(!!o.json);
    const interrupted = {
      notice: 'interrupted: rolling back what this run created (Ctrl-C again to leave now)',
      secondExits: true,
    };
    await whileAbortable('up was interrupted; what it created has been removed', interrupted, async (signal) => {
      const r = await labUp(ctx.rt, lab, {
        progress,
        paths: { configRoot: CONFIG_ROOT },
        timeoutMs,
        signal,
      });
      const p = r.phases;
      const reset = o.reset ? await resetAll(ctx.rt, lab, { progress, signal }) : undefined;
      await ctx.classroom?.report({ type: 'up', lab: lab.name });
      ctx.print(!!o.json, reset ? { ...r, reset } : r, () =>
        [
          `lab "${lab.name}" is up and converged in ${(r.wallMs / 1000).toFixed(1)} s`,
          `  ${lab.routers.length} routers, ${lab.clients.length} clients; created ${r.created.containers.length} containers, ${r.created.networks.length} networks; kept ${r.kept.length}${r.reconfigured.length ? ` (reconfigured in place: ${r.reconfigured.join(', ')})` : ''}${r.started.length ? `; started again ${r.started.join(', ')}` : ''}${r.removed.length ? `; removed ${r.removed.join(', ')}` : ''}${r.repaired.length ? `; repaired FRR config on ${r.repaired.join(', ')}` : ''}`,
          `  phases (s since start): networks ${sec(p.networks)}, containers started ${sec(p.start)}, FRR config verified ${sec(p.configVerified)}, BGP ${sec(p.bgpEstablished)}, BFD ${sec(p.bfdUp)}, routes ${sec(p.routesInstalled)}, clients answered ${sec(p.clientsAnswered)}`,
          ...(r.overrides.length && !reset ? [`  kept ${r.overrides.length} live overrides: ${r.overrides.join('; ')} (undo: up --reset)`] : []),
          `  FRR configs: ${join(CONFIG_ROOT, lab.name)}/<node>/frr.conf`,
          `  next: npm run lab -- status | npm run lab -- lg t-eu | npm run lab -- exec c-de -- dig @${lab.anycast.dnsAddress} hostname.bind CH TXT`,
          ...(reset ? ['', renderChangeReport(reset)] : []),
        ].join('\n'),
      );
    });
  },
});
