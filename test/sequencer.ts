// The order integration files run in (one at a time, vitest.config.ts). They
// share the suite's lab: each file's `up` keeps a lab that is already up
// (~1 s) and builds one that is not (~10 s). vitest's own order (failed
// first, then longest, or largest without a cache) let files that take the
// lab down land between files that need it up, each of those paying a cold
// `up` again. Here: the files that start no lab (timed ones) first; then the
// files that only use the lab, one `up` for all of them; then the dual-stack
// lab's files together; the files that take the suite's lab down (or need it
// built from nothing) last, chained so that one leaves what the next wants
// where it can (bringup leaves the lab up for the CI recipe's `up`). Any order must stay green: this one only saves ups.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that start no lab, first, on an engine with nothing running: the
 * probe agent's measured rates and the classroom board's room of 30 (each
 * counts on time: probes per second, a report's 250 ms budget), without 11
 * FRR routers beside them.
 */
const NO_LAB = ['probe-agent-timed', 'classroom-page'];
/** Files on the suite's lab as it is: one cold `up` for all of them. */
const SHARED = [
  'images',
  'failover',
  'web',
  'service-plane',
  'zone',
  'collector',
  'interactive',
  'workshop',
  'exercises',
  'exercises-by-hand',
  'faults-more',
  'checkpoint',
  'classroom',
];
/**
 * The `dual` lab's files, side by side (dual-stack-service leaves `dual` up
 * for dual-stack-failover, right after it); then the two-node Swarm (its own containers).
 */
const OTHER_LABS = ['dual-stack', 'dual-stack-service', 'dual-stack-failover', 'exercise-ipv6', 'swarm-lab'];
/** Files that take the suite's lab down or build it from nothing. */
const DESTRUCTIVE = ['live-edit', 'lifecycle', 'bringup', 'ci-recipe', 'verify', 'pack'];

/** Every file the order names, by its name under test/integration/ without `.test.ts`. */
export const INTEGRATION_ORDER = [...NO_LAB, ...SHARED, ...OTHER_LABS, ...DESTRUCTIVE];

const nameOf = (path: string) => /([^/\\]+)\.test\.ts$/.exec(path)?.[1] ?? path;

/**
 * `paths` in INTEGRATION_ORDER; a file the order does not name runs after the
 * shared files and before the other labs' (on the suite's lab as it is, the
 * safe place), in the order it came.
 */
export function orderIntegrationFiles(paths: readonly string[]): string[] {
  const unnamed = NO_LAB.length + SHARED.length - 0.5;
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
