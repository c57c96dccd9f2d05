import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests start real containers and
// share one Docker engine, so they run one file at a time.
export default defineConfig({
  test: {
    // The JSON summary lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
    projects: [
      {
        extends: true,
        // Unit tests finish before integration starts: failover timings must
        // not compete with CPU-heavy unit tests (fuzzing, probe rates).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Skipped when a developer points the tests at their own lab file
          // (ANYCAST_LAB_FILE), so other labs on the engine survive.
          globalSetup: process.env.ANYCAST_LAB_FILE ? [] : ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          sequence: { concurrent: false, groupOrder: 1 },
        },
      },
    ],
  },
});
