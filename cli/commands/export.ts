/** `netc export <spec|plan|run dir> --to pytorch|onnx`: compile a plan to another engine. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../files/write.js';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import type { Plan } from '../../plan/types.js';
import { InputError, UsageError } from '../exit-codes.js';
import { loadModel } from '../load-model.js';
import { printDiagnostics } from '../output.js';
import { defaultModelPath } from '../default-model.js';

const ENGINES = ['pytorch', 'onnx'];
const WEIGHTS = ['trained', 'initial', 'none'];

interface ExportFlags {
  to: string;
  out?: string;
  weights?: string;
  json?: boolean;
}

/** A run directory (holding plan.json) or a spec/plan file, as a plan and where it came from. */
function loadSource(path: string): { plan: Plan; runDir: string | null } {
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'plan.json'))) throw new UsageError(`\`${path}\` is a folder but not a run directory (it has no plan.json)`);
    const model = loadModel(join(path, 'plan.json'));
    printDiagnostics(model.diagnostics);
    if (!model.plan) throw new InputError(`\`${join(path, 'plan.json')}\` is not a usable plan`);
    return { plan: model.plan, runDir: path };
  }
  const model = loadModel(path);
  printDiagnostics(model.diagnostics);
  if (!model.plan || hasErrors(model.diagnostics)) throw new InputError(`\`${path}\` has errors: fix them before exporting`);
  return { plan: model.plan, runDir: null };
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('compile a plan to another engine: a PyTorch training package, or an ONNX inference model')
    .argument('[model]', 'a spec, a plan (.json) or a run directory; default: the one plan in build/ or spec here')
    .requiredOption('--to <engine>', `target: ${ENGINES.join(' or ')}`)
    .option('-o, --out <path>', 'output folder (pytorch) or file (onnx); default build/<model>-pytorch/ or build/<model>.onnx')
    .option('--weights <which>', "trained (the run directory's checkpoint), initial (netc's initial values) or none; default: trained for a run directory, else none for pytorch (torch draws the plan's initializers) and initial for onnx")
    .option('--json', 'print what was written as one JSON object')
    .action(async (modelArg: string | undefined, f: ExportFlags) => {
      if (!ENGINES.includes(f.to)) throw new UsageError(`unknown engine \`${f.to}\`: use ${ENGINES.join(' or ')}`);
      if (f.weights !== undefined && !WEIGHTS.includes(f.weights)) throw new UsageError(`--weights must be ${WEIGHTS.join(', ')}`);
      const path = modelArg ?? defaultModelPath('export');
      const { plan, runDir } = loadSource(path);
      const which = f.weights ?? (runDir ? 'trained' : f.to === 'onnx' ? 'initial' : 'none');
      if (which === 'trained' && !runDir) throw new UsageError('--weights trained needs a run directory (pass the run folder instead of a spec)');
      if (which === 'none' && f.to === 'onnx') throw new UsageError('an ONNX model holds its weights: use --weights initial or trained');

      const { checkpointWeights, initialWeights } = await import('../../export/weights.js');
      const weights = which === 'trained' ? checkpointWeights(plan, runDir!) : which === 'initial' ? initialWeights(plan) : null;
      const describe = which === 'trained' ? `trained weights of ${runDir}` : "netc's initial weights (seed " + plan.seed + ')';
      let files: string[];
      let out: string;
      if (f.to === 'pytorch') {
        const { writePytorchPackage } = await import('../../export/pytorch/package.js');
        out = f.out ?? join('build', `${plan.model.name}-pytorch`);
        files = writePytorchPackage(plan, out, { weights: weights ? { set: weights, describe } : null });
      } else {
        const { buildOnnxModel } = await import('../../export/onnx/model.js');
        out = f.out ?? join('build', `${plan.model.name}.onnx`);
        const bytes = buildOnnxModel(plan, weights!, program.version() ?? '');
        writeFileAtomic(out, bytes, 'choose another path with -o');
        files = [out];
      }
      if (f.json) process.stdout.write(JSON.stringify({ model: plan.model.name, engine: f.to, out, weights: which, files }) + '\n');
      else {
        const what = f.to === 'pytorch' ? `PyTorch package, ${files.length} files` : 'ONNX model, opset 13';
        const w = which === 'none' ? 'initializers drawn by torch' : which === 'trained' ? `trained weights of ${runDir}` : "netc's initial weights";
        process.stdout.write(`${plan.model.name} -> ${out} (${what}; ${w})\n`);
        if (f.to === 'pytorch') process.stdout.write(`train it: python3 ${join(out, 'train.py')} --help\n`);
      }
    });
}
