// The order integration files run in, and where each runs under `npm test`
// (test/run-suite.ts). They share the suite's lab: each file's `up` keeps a
// lab that is already up (~1 s) and builds one that is not (~10 s). vitest's
// own order (failed first, then longest) let files that take the lab down
// land between files that need it up, each of those paying a cold `up` again.
//
// `npm test` runs them in four phases. FIRST and LAST run alone on the
// engine: the files that time something (probe rates, a board's 250 ms
// budget, failover bounds with "no other client hurt" at 30 ms, `lab verify`
// gates) or that remove the images (pack). Between them, two lanes run side
// by side, each on its own labs with their own address pools: lane A on the
// suite's lab, lane B on the dual-stack lab, the Swarm and a copy of the
// suite's lab under another name (test-b). Plain `vitest run` runs the same
// files one at a time in this same order, which must stay green too.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Alone on the engine, first: the files that start no lab (the probe agent's
 * measured rates, the classroom board's room of 30), the image build, and the
 * failover timings on the suite's lab.
 */
const FIRST = ['probe-agent-timed', 'classroom-page', 'images', 'failover', 'faults-more'];
/** Lane A: the suite's lab as FIRST left it (one `up` for all), then the files that take it down. */
const LANE_A = [
  'web',
  'service-plane',
  'zone',
  'collector',
  'interactive',
  'workshop',
  'exercises',
  'exercises-by-hand',
  'checkpoint',
  'classroom',
  'live-edit',
  'lifecycle',
];
/** Lane B: the `dual` lab's files, the two-node Swarm (its own containers), then bring-up on the lane's own copy of the suite's lab. */
const LANE_B = ['dual-stack', 'dual-stack-service', 'exercise-ipv6', 'swarm-lab', 'bringup'];
/** Alone on the engine, last: the dual-stack failover timings, the CI recipe's and `lab verify`'s gates, and pack (it removes the images). */
const LAST = ['dual-stack-failover', 'ci-recipe', 'verify', 'pack'];

/**
 * The labs each lane's files create, the only ones its global setup removes
 * (test/integration/global-setup.ts): never the other lane's, which is up
 * beside it. Their address pools are apart (test/unit/sequencer.test.ts).
 */
export const SIDE_LABS_OF_LANE = { a: ['test', 'broken', 'delay'], b: ['test-b', 'dual', 'small', 'eight', 'split'] } as const;

/** The phases of `npm test`, in order; `lanes` run side by side. */
export const SUITE_PHASES = [
  { name: 'first', files: FIRST },
  { name: 'lanes', lanes: { a: LANE_A, b: LANE_B } },
  { name: 'last', files: LAST },
] as const;

/**
 * Lane B's copy of the suite's lab: the same topology under the name test-b,
 * on address pools of its own (10.67/10.68/10.69, fd00:67/fd00:68 for the
 * suite's 10.97/10.98/10.99, fd00:97/fd00:98): Docker refuses two networks
 * with overlapping subnets, and lane A's lab is up beside it.
 */
export function laneBLabText(suiteLab: string): string {
  const text = suiteLab
    .replace(/^name: test$/m, 'name: test-b')
    .replace(/\b10\.9([789])\./g, '10.6$1.')
    .replace(/\bfd00:9([78]):/g, 'fd00:6$1:');
  if (!/^name: test-b$/m.test(text)) throw new Error('test/fixtures/labs/test.yaml: no `name: test` line to rename');
  return text;
}

/** Every file the order names, by its name under test/integration/ without `.test.ts`. */
export const INTEGRATION_ORDER = [...FIRST, ...LANE_A, ...LANE_B, ...LAST];

const nameOf = (path: string) => /([^/\\]+)\.test\.ts$/.exec(path)?.[1] ?? path;

/**
 * `paths` in INTEGRATION_ORDER; a file the order does not name runs after the
 * shared files and before the other labs' (on the suite's lab as it is, the
 * safe place), in the order it came.
 */
export function orderIntegrationFiles(paths: readonly string[]): string[] {
  const unnamed = FIRST.length + LANE_A.length - 0.5;
  const rank = (p: string) => {
    const i = INTEGRATION_ORDER.indexOf(nameOf(p));
    return i < 0 ? unnamed : i;
  };
  return paths
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map((x) => x.p);
}

/** vitest's order for everything else (projects by groupOrder, unit files as it likes); integration files as above. */
export default class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const integration = sorted.filter((s) => s.project.name === 'integration');
    const ordered = orderIntegrationFiles(integration.map((s) => s.moduleId)).map((p) => integration.find((s) => s.moduleId === p)!);
    // Back into the places the integration files held (one contiguous group, by groupOrder).
    let next = 0;
    return sorted.map((s) => (s.project.name === 'integration' ? ordered[next++] : s));
  }
}
