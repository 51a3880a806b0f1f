import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure and mocked, fast), `integration` (real DynamoDB Local and the
 * local GraphQL server), `e2e` (headless Chromium + ffmpeg against the local mode).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/infra/**'],
          setupFiles: ['test/setup/unit.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // The CDK app's template tests. They share one module graph (isolate: false), so the dev and
          // prod stacks are synthesized once for all of them (test/unit/infra/stack.ts), not once per file.
          name: 'unit-infra',
          include: ['test/unit/infra/**/*.test.ts'],
          isolate: false,
          setupFiles: ['test/setup/unit.ts'],
          testTimeout: 60_000,
          // Building the CDK stack in beforeAll takes seconds on a loaded 2-core runner.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
