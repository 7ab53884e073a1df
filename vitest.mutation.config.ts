import { defineConfig } from 'vitest/config';

// The test settings of mutation runs (stryker.config.mjs; docs/mutation-testing.md): the same as
// vitest.config.ts without its global setup, which rebuilds dist/ (the sandboxes hold instrumented
// sources, and the tests Stryker runs never use dist/) and checks the temporary folder.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
