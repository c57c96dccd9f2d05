// `lab web [--port 8080] [--lab <name>] [--control]`: the live dashboard on
// 127.0.0.1 until Ctrl-C. Read-only unless --control; its actions run the
// same code as `withdraw`, `announce`, `break`, `restore` and `failover`
// (a run in progress is stopped, and its fault restored, on Ctrl-C).
import { LabError } from '../../errors.js';
import { runningLab } from '../../lab/running-lab.js';
import { liveSource } from '../../web/live-source.js';
import { defineCommand, jsonOption, labOption } from '../command.js';
import { CONFIG_ROOT } from '../context.js';
import { nonNegativeInt } from '../options.js';

export const webCommand = defineCommand({
  name: 'web',
  description:
    'live dashboard on 127.0.0.1: topology with BGP/BFD state, live catchment (probes every 200 ms), looking glass, failover runs with a live timeline',
  options: [
    { flags: '--port <n>', description: 'TCP port on 127.0.0.1 (0: any free one)', default: '8080' },
    labOption(),
    { flags: '--control', description: 'allow actions from the page (withdraw/announce, break/restore a PoP, run a failover); read-only without it' },
    jsonOption('print the URL as JSON on stdout (progress of actions as NDJSON on stderr)'),
  ],
  async run(ctx, _args: [], o: { port: string; lab?: string; control?: boolean; json?: boolean }) {
    const port = nonNegativeInt('--port', o.port);
    if (port > 65535) throw new LabError('USAGE', `--port must be a TCP port, 0..65535 (0: any free one), got ${o.port}`);
    const lab = await runningLab(ctx.rt, o.lab);
    const control = !!o.control;
    // Catchment reads are cheap (the agents stream into memory): 4 a second keeps a row within ~0.25 s of its newest answer.
    // Imported here: hono and its node server (with undici behind it) cost every other command ~30 ms of start-up.
    const { startDashboard } = await import('../../web/server.js');
    const dash = await startDashboard(liveSource(ctx.rt, lab, ctx.progress(!!o.json), CONFIG_ROOT), { port, control, catchmentIntervalMs: 250 });
    ctx.print(
      !!o.json,
      { url: dash.url, lab: lab.name, control },
      () =>
        `dashboard for lab ${lab.name} (${control ? 'CONTROL: the page can withdraw, announce, break and restore PoPs, and run failovers' : 'read-only'}): ${dash.url}\nCtrl-C to stop`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dash.close();
  },
});
