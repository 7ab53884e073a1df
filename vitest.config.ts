import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Runtime tests load tfjs/wasm; forks keep each file's backend state isolated.
    pool: 'forks',
  },
});
