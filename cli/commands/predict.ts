/** `netc predict <run dir> <image or folder>...`: top-k classes of images with a trained run (runtime/train/predict.ts). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../exit-codes.js';
import { BACKENDS, parseCount } from './train.js';

interface PredictFlags {
  top?: string;
  crops?: string;
  backend: string;
  workers?: string;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with a trained run: top classes with names and probabilities')
    .argument('<run>', 'a run directory (holding plan.json and checkpoint.ckpt)')
    .argument('<images...>', 'image files, or folders searched for images')
    .option('--top <k>', 'how many classes to show per image (default 5)')
    .option('--crops <n>', "1 (centre crop, default) or 10 (the paper's four corners + centre, mirrored, averaged)")
    .option('--backend <name>', `backend: ${BACKENDS.join(', ')}`, 'auto')
    .option('--workers <n>', 'decoding threads (default: the cores but one)')
    .option('--json', 'print one JSON object')
    .action(async (runDir: string, images: string[], f: PredictFlags) => {
      if (f.crops !== undefined && f.crops !== '1' && f.crops !== '10') throw new UsageError('--crops must be 1 or 10');
      if (!BACKENDS.includes(f.backend)) throw new UsageError(`unknown backend \`${f.backend}\`: use ${BACKENDS.join(', ')}`);
      if (!existsSync(runDir)) throw new UsageError(`no run directory \`${runDir}\``);
      const top = parseCount('top', f.top) ?? 5;
      const workers = parseCount('workers', f.workers, 0);
      const { predict } = await import('../../runtime/train/predict.js');
      const r = await predict({ runDir, inputs: images, top, crops: f.crops === '10' ? 10 : 1, backend: f.backend as 'auto', ...(workers !== undefined ? { workers } : {}) });
      if (f.json) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        for (const p of r.predictions) {
          if ('error' in p) process.stderr.write(`netc: error: ${p.file}: ${p.error}\n`);
          else process.stdout.write(`${p.file}: ${p.top.map((t) => `${t.name}${t.name !== t.class ? ` (${t.class})` : ''} ${(t.probability * 100).toFixed(1)}%`).join(', ')}\n`);
        }
      }
      process.exitCode = r.predictions.some((p) => 'error' in p) ? ExitCode.InputErrors : ExitCode.Ok;
    });
}
