// `npm run bench -- placement`: overlays and balance of automatic placement for generated labs over 2–8 hosts (no engine touched).
import { renderPlacementBench, runPlacementBench } from '../../../bench/placement.js';
import { defineCommand, jsonOption } from '../../command.js';
import { BENCH_RESULTS } from '../../context.js';

export const placementBenchCommand = defineCommand({
  name: 'placement',
  description: 'how many links automatic placement sends across hosts (Swarm overlays) for generated labs of 40–160 PoPs over 2, 4 and 8 hosts',
  options: [jsonOption('result on stdout')],
  async run(ctx, _args: [], o: { json?: boolean }) {
    const r = runPlacementBench(BENCH_RESULTS);
    ctx.print(!!o.json, r, () => renderPlacementBench(r));
  },
});
