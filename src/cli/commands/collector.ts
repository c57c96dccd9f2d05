// `lab collector [--since 30s] [--prefix P] [--json]`: the route collector's
// update stream, announcements and withdrawals with their AS paths, as every
// transit sent them (`collector: true` in the lab file).
import { collectorOf, parseSince, readCollectorLog, renderCollectorTable } from '../../lab/collector.js';
import { runningLab } from '../../lab/running-lab.js';
import { defineCommand, jsonOption, labOption } from '../command.js';

export const collectorCommand = defineCommand({
  name: 'collector',
  description: "the route collector's update stream: every announcement and withdrawal each transit sent, with AS paths",
  options: [
    { flags: '--since <duration>', description: 'only updates this recent: 30s, 2m, 1h (default: all since the collector started)' },
    { flags: '--prefix <prefix>', description: 'only this prefix, e.g. 192.0.2.0/24' },
    labOption(),
    jsonOption(),
  ],
  helpAfter: "\nExamples:\n  npm run lab -- collector --since 30s\n  npm run lab -- lg collector 192.0.2.0/24      # every transit's view now\n",
  async run(ctx, _args: [], o: { since?: string; prefix?: string; lab?: string; json?: boolean }) {
    const sinceMs = o.since === undefined ? null : parseSince(o.since);
    const lab = await runningLab(ctx.rt, o.lab);
    const collector = collectorOf(lab);
    const now = Date.now();
    const events = (await readCollectorLog(ctx.rt, lab)).filter(
      (e) => (sinceMs === null || e.wallMs >= now - sinceMs) && (o.prefix === undefined || e.prefix === o.prefix),
    );
    ctx.print(
      !!o.json,
      { lab: lab.name, collector: { asn: collector.asn, address: collector.address, peers: collector.peers }, since: o.since ?? null, events },
      () => renderCollectorTable(events, { nowWallMs: now, prefix: o.prefix }),
    );
  },
});
