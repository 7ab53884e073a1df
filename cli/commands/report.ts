/** `netc report [spec|plan]`: the layer-shape report (no argument: the spec of this folder). */
import type { Command } from 'commander';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { buildReport } from '../../compiler/report/report-data.js';
import { renderReportMarkdown, renderReportText } from '../../compiler/report/render-report.js';
import { renderArchitectureSvg } from '../../compiler/report/svg/architecture.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { defaultModelPath } from '../default-model.js';
import { loadModel } from '../load-model.js';
import { printDiagnostics, printWarnings } from '../output.js';

const FORMATS = ['text', 'md', 'json', 'svg'] as const;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('print the layer-shape report: shapes, params, mult-adds, memory, towers')
    .argument('[model]', 'a spec (.yaml, .netc) or a plan (.json); default: the spec here (else the one plan in build/)')
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .option('--json', 'the same as --format json')
    .action((modelArg: string | undefined, flags: { format: string; json?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`unknown format \`${flags.format}\`: use ${FORMATS.join(', ')}`);
      if (flags.json && flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`--json and --format ${flags.format} ask for two formats: pass one`);
      if (flags.json) flags.format = 'json';
      const path = modelArg ?? defaultModelPath('report');
      const model = loadModel(path);
      printDiagnostics(model.diagnostics, { json: flags.json });
      printWarnings(model.warnings, { json: flags.json });
      if (!model.plan || hasErrors(model.diagnostics)) {
        process.exitCode = ExitCode.InputErrors;
        return;
      }
      const report = buildReport(model.plan);
      const text =
        flags.format === 'json'
          ? JSON.stringify(report, null, 2) + '\n'
          : flags.format === 'md'
            ? renderReportMarkdown(report)
            : flags.format === 'svg'
              ? renderArchitectureSvg(report)
              : renderReportText(report);
      process.stdout.write(text);
    });
}
