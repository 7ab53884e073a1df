// Mutation testing with StrykerJS (docs/mutation-testing.md). Not part of `npm test` or CI: it is slow.
// Started by `npm run mutate -- <target>` (test/mutation/mutate.mjs), one source file per Stryker run:
// NETC_MUTATE_TARGET names the target (test/mutation/targets.mjs), NETC_MUTATE_FILE the file.
import { targets } from './test/mutation/targets.mjs';

const name = process.env.NETC_MUTATE_TARGET;
const file = process.env.NETC_MUTATE_FILE;
const target = targets[name];
if (!target || !file) throw new Error(`stryker.config.mjs: run it through \`npm run mutate -- <target>\` (targets: ${Object.keys(targets).join(', ')})`);
const reports = `reports/mutation/${name}/${file.replace(/\.ts$/, '').replace(/\//g, '_')}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [file],
  testFiles: process.env.NETC_MUTATE_TESTS ? process.env.NETC_MUTATE_TESTS.split(',') : target.tests,
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants, evaluated once at import) need every test file re-run
  // for each: on this machine they are a third of the mutants and two thirds of the time.
  ignoreStatic: process.env.NETC_MUTATE_STATIC !== '1',
  // A shared 2-core machine: one worker at a time, generous timeouts (a busy moment is not an
  // infinite loop). NETC_MUTATE_CONCURRENCY for a bigger machine.
  concurrency: Number(process.env.NETC_MUTATE_CONCURRENCY ?? 1),
  timeoutMS: 20_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 30,
  // Reruns test only the mutants in changed code or covered by changed tests.
  incremental: true,
  incrementalFile: `${reports}.incremental.json`,
  reporters: ['progress', 'html', 'json'],
  htmlReporter: { fileName: `${reports}.html` },
  jsonReporter: { fileName: `${reports}.json` },
  // What the sandboxes need not copy: built output, runs, reports, pictures.
  ignorePatterns: ['dist', 'build', 'runs', 'reports', 'docs/img', 'bench', 'editors', '.ci'],
  tempDirName: '.stryker-tmp',
};
