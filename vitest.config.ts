import { defineConfig } from 'vitest/config';
import SuiteSequencer from './test/sequencer.js';

// Unit tests are pure and fast; integration tests start real containers and
// share one Docker engine, so they run one file at a time.
export default defineConfig({
  test: {
    // The JSON summary lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
    // Integration files in an explicit order: one `up` of the shared lab for
    // the files that only use it, the ones that take it down last (test/sequencer.ts).
    sequence: { sequencer: SuiteSequencer },
    projects: [
      {
        extends: true,
        // Unit tests finish before integration starts: failover timings must
        // not compete with CPU-heavy unit tests (fuzzing, process spawns).
        // Two workers, not vitest's default of cores - 1 (one on the 2-core
        // machines this runs on): files import in parallel. Nothing here may
        // count on time, since two files share the cores: a real probe agent's
        // probes/s fell short beside another file when two workers were first
        // tried (77 < 85), and with two workers on a loaded machine its other
        // live tests and the classroom board's room of 30 (a report's 250 ms
        // budget) failed too. Those are integration files now, run alone and
        // first (test/integration/probe-agent-timed.test.ts, classroom-page).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The suite's own lab (test/integration/cli.ts: TEST_LAB_FILE), set
          // here too for files that read ANYCAST_LAB_FILE themselves. Global
          // setup removes only the suite's labs: a user's lab survives.
          env: { ANYCAST_LAB_FILE: process.env.ANYCAST_LAB_FILE ?? 'test/fixtures/labs/test.yaml' },
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          sequence: { concurrent: false, groupOrder: 1 },
        },
      },
    ],
  },
});
