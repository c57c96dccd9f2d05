// `npm run bench -- responder [--json]`: dnsperf against our responder, bare dns2 and NSD.
import { benchResponder, renderBenchTable, TARGET_RATIO } from '../../../bench/responder.js';
import { defineCommand, jsonOption, labOption } from '../../command.js';
import { BENCH_RESULTS } from '../../context.js';
import { positiveInt } from '../../options.js';

interface ResponderFlags {
  lab?: string;
  pop?: string;
  duration: string;
  clients: string;
  outstanding: string;
  reps: string;
  warmup: string;
  json?: boolean;
}

export const responderBenchCommand = defineCommand({
  name: 'responder',
  description: `dnsperf against our responder, bare dns2 3.1.1 and NSD in one PoP; target responder >= ${TARGET_RATIO * 100}% of dns2 qps`,
  options: [
    labOption('lab name (may be omitted when one lab is up)'),
    { flags: '--pop <name>', description: 'PoP to run the servers in (default: the expected PoP of the first client)' },
    { flags: '--duration <s>', description: 'dnsperf run time per server', default: '10' },
    { flags: '--clients <n>', description: 'dnsperf -c', default: '4' },
    { flags: '--outstanding <n>', description: 'dnsperf -q', default: '200' },
    { flags: '--reps <n>', description: 'runs per server, in rotating order', default: '3' },
    { flags: '--warmup <s>', description: 'dnsperf seconds per server before measuring', default: '2' },
    jsonOption('print the result document'),
  ],
  async run(ctx, _args: [], o: ResponderFlags) {
    const r = await benchResponder(
      ctx.rt,
      {
        lab: o.lab,
        pop: o.pop,
        durationS: positiveInt('--duration', o.duration),
        clients: positiveInt('--clients', o.clients),
        outstanding: positiveInt('--outstanding', o.outstanding),
        reps: positiveInt('--reps', o.reps),
        warmupS: positiveInt('--warmup', o.warmup),
        resultsDir: BENCH_RESULTS,
      },
      (line) => process.stderr.write(`${line}\n`),
    );
    ctx.print(!!o.json, r, () => renderBenchTable(r));
  },
});
