// What `npm run mutate -- <target>` mutates, and the tests that may kill its mutants.
// Left out: tests that run the built binary or worker threads from dist/ (they would run unmutated
// code), and the fuzz tests (minutes per mutant; they check that nothing crashes, not values).

const compilerTests = [
  'test/compiler/alexnet.test.ts', 'test/compiler/blocks.test.ts', 'test/compiler/geometry.test.ts', 'test/compiler/graph.test.ts', 'test/compiler/error-docs.test.ts',
  'test/compiler/internal-error.test.ts', 'test/compiler/plan-check.test.ts', 'test/compiler/plan-check-graph.test.ts', 'test/compiler/plan-v1-upgrade.test.ts',
  'test/ui/ui.test.ts', 'test/variants/*.test.ts', 'test/dsl/errors.test.ts',
];
const trainTests = [
  'test/runtime/schedule.test.ts', 'test/runtime/optimizers.test.ts', 'test/runtime/optimizer-rule.test.ts', 'test/runtime/checkpoint.test.ts',
  'test/runtime/metrics.test.ts', 'test/runtime/train-run.test.ts', 'test/pictures/*.test.ts',
];

/** Each target: the folder whose .ts files are mutated (one Stryker run per file), and the test files. */
export const targets = {
  passes: { folder: 'compiler/passes', tests: compilerTests },
  diff: { folder: 'compiler/diff', tests: ['test/diff/align.test.ts', 'test/diff/align-optimal.test.ts', 'test/diff/model-diff.test.ts', 'test/diff/graph-diff.test.ts', 'test/diff/cli.test.ts', 'test/api.test.ts'] },
  train: { folder: 'runtime/train', tests: trainTests },
  data: { folder: 'runtime/data', tests: ['test/runtime/data-*.test.ts', 'test/runtime/train-run.test.ts'] },
  plan: { folder: 'plan', tests: compilerTests },
};
