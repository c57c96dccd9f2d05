// `lab flood --from <eyeballs|all|c1,c2> --qps <n> --seconds <s> [--drain <pop> --drain-at <s>]`:
// the DDoS-dispersion demo. dnsperf runs inside the clients only; the PoPs'
// own counters show where the load lands.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { monoMs } from '../../contract/sample.js';
import { runFlood } from '../../experiment/flood.js';
import { FLOOD_CAPS, planFlood } from '../../experiment/flood-plan.js';
import { runningLab } from '../../lab/running-lab.js';
import { drainControl } from '../../policy/live-policy.js';
import { floodTickLine, renderFloodReport } from '../../report/flood-table.js';
import { whileAbortable } from '../abort-on-signals.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

interface FloodFlags {
  from: string;
  qps: string;
  seconds: string;
  drain?: string;
  drainAt?: string;
  lab?: string;
  json?: boolean;
}

export const floodCommand = defineCommand({
  name: 'flood',
  description: 'DDoS-dispersion demo: DNS queries from inside clients, load measured at every PoP',
  options: [
    { flags: '--from <senders>', description: 'eyeballs (one client per eyeball), all (every client), or client names: c-de,c-jp', default: 'eyeballs' },
    { flags: '--qps <n>', description: `queries per second, per sender (all senders together at most ${FLOOD_CAPS.totalQps})`, required: true },
    { flags: '--seconds <s>', description: `how long the senders send (at most ${FLOOD_CAPS.seconds})`, required: true },
    { flags: '--drain <pop>', description: 'withdraw this PoP during the flood (announced again at the end, always)' },
    { flags: '--drain-at <s>', description: 'seconds into the flood to drain (default: half-way)' },
    labOption(),
    jsonOption(),
  ],
  helpAfter: `
Caps: ${FLOOD_CAPS.totalQps} q/s over all senders and ${FLOOD_CAPS.seconds} s, so a 2-core machine stays
responsive: every answer comes from a Node responder on the same host (one does ~13k q/s on
a core of its own), and dnsperf, Docker and your shell share the same cores. Queries are sent
only from inside the client containers, by dnsperf under \`timeout\`: they stop by themselves.

Example: npm run lab -- flood --from eyeballs --qps 200 --seconds 20 --drain fra --drain-at 10`,
  async run(ctx, _args: [], o: FloodFlags) {
    const lab = await runningLab(ctx.rt, o.lab);
    const plan = planFlood(lab, { from: o.from, qps: o.qps, seconds: o.seconds, drain: o.drain, drainAt: o.drainAt });
    const json = !!o.json;
    const progress = ctx.progress(json);
    await whileAbortable('flood was interrupted; its senders were stopped and a drained PoP announced again', {}, async (signal) => {
      const r = await runFlood(
        {
          rt: ctx.rt,
          lab,
          progress,
          monoMs,
          sleep: (ms) => delay(ms),
          drainControl: drainControl(ctx.rt, lab),
          signal,
          tag: `anycast-lab-flood-${randomBytes(4).toString('hex')}`,
          onTick: (t) => progress.step('flood', floodTickLine(t)),
        },
        plan,
        FLOOD_CAPS,
      );
      ctx.print(json, r, () => renderFloodReport(r));
    });
  },
});
