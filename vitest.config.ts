import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when a source is newer (CLI and worker tests run it) and checks that tests leave no temp files.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Runtime tests load tfjs/wasm; forks keep each file's backend state isolated.
    pool: 'forks',
    // Every compile in the tests checks the IR between passes (compiler/compile.ts).
    env: { NETC_VERIFY_IR: '1' },
  },
});
