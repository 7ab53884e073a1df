/**
 * Training speed of one spec on both engines, on this machine: netc (tfjs, wasm by default) and
 * the PyTorch trainer netc generates for it (`netc export --to pytorch`), and that against the
 * same network written by hand in PyTorch (bench/pytorch/handwritten.py, torchvision style):
 *   - netc:              LocalExecutor.trainStep, the step `netc train` runs
 *   - generated trainer: the package's train.py end to end (--synthetic data: its input pipeline included)
 *   - generated module:  the package's Model and optimizer in the hand-written script's loop
 *   - hand-written:      nn.Sequential model, torch.optim.SGD, the same loop, in turn with the
 *                        generated module in one process
 * Rounds are interleaved and each engine keeps its best (a busy machine slows whichever runs at
 * the wrong moment). Prints images/s and ratios; never fails on a slow machine.
 *
 *   node dist/bench/engines.js [--spec examples/fashion-mnist/fmnist-alexnet.yaml] [--steps 20] [--rounds 3] [--backend wasm] [--python /usr/bin/python3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSource } from '../compiler/compile.js';
import { writePytorchPackage } from '../export/pytorch/package.js';
import { initBackend, type BackendName } from '../runtime/backend/select.js';
import { LocalExecutor } from '../runtime/exec/local-executor.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const root = fileURLToPath(new URL('../../', import.meta.url));
const specPath = flag('spec', join(root, 'examples/fashion-mnist/fmnist-alexnet.yaml'));
const steps = Number(flag('steps', '20'));
const rounds = Number(flag('rounds', '3'));
const backend = flag('backend', 'wasm') as BackendName;
const python = flag('python', '/usr/bin/python3');
const handwritten = join(root, 'bench/pytorch/handwritten.py');
/** Specs with a hand-written twin in handwritten.py. */
const TWIN: Record<string, string> = { 'fmnist-alexnet': 'fmnist', alexnet: 'alexnet' };

function runJson(argv: string[]): Record<string, unknown> {
  const r = spawnSync(python, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${python} ${argv.join(' ')} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

async function main() {
  const compiled = compileSource(basename(specPath), readFileSync(specPath, 'utf8'));
  if (!compiled.plan) throw new Error(`${specPath} does not compile`);
  const plan = compiled.plan;
  const batch = plan.train.batch;
  const dir = mkdtempSync(join(tmpdir(), 'netc-bench-engines-'));
  const pkg = join(dir, 'pkg');
  writePytorchPackage(plan, pkg);
  const twin = TWIN[plan.model.name];

  const chosen = await initBackend(backend);
  const ex = new LocalExecutor(plan, { seed: 1 });
  const per = plan.input.shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: batch * per }, (_, i) => Math.sin(i) * 0.5);
  const hostBatch = { x, shape: [batch, ...plan.input.shape], y: Int32Array.from({ length: batch }, (_, i) => i % (plan.output.classes ?? 2)) };
  await ex.trainStep(hostBatch, 0.01, 0);
  const netcRound = async () => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await ex.trainStep(hostBatch, 0.01, s + 1);
    return (batch * steps * 1000) / (performance.now() - t0);
  };
  // Enough synthetic images that the timed steps (after 2 warm-up steps) stay in the first epoch.
  const synthetic = String(Math.ceil((batch * (steps + 3)) / 0.9));
  const trainerRound = () =>
    runJson([join(pkg, 'train.py'), '--synthetic', synthetic, '--steps', String(steps + 2), '--events', '--run-dir', join(dir, 'run'), '--workers', '0']).images_per_sec as number;
  // The hand-written net and the generated module take turns in one process, in the same loop.
  const loops = () => {
    const r = spawnSync(python, [handwritten, '--model', twin!, '--batch', String(batch), '--steps', String(steps), '--generated', pkg], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${handwritten} failed:\n${r.stderr}`);
    const rates = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { which: string; images_per_sec: number }).map((j) => [j.which, j.images_per_sec]));
    return { generated: rates.get('generated module')!, hand: rates.get('hand-written')! };
  };

  const results: Record<string, number[]> = { netc: [], 'generated trainer': [], 'generated module': [], 'hand-written': [] };
  for (let r = 0; r < rounds; r++) {
    results.netc!.push(await netcRound());
    results['generated trainer']!.push(trainerRound());
    if (twin) {
      const r = loops();
      results['generated module']!.push(r.generated);
      results['hand-written']!.push(r.hand);
    }
  }
  await ex.dispose();
  rmSync(dir, { recursive: true, force: true });

  const best = (k: string) => Math.max(...results[k]!);
  const torchVersion = spawnSync(python, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], { encoding: 'utf8' }).stdout.trim();
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, tfjs backend ${chosen.name}, torch ${torchVersion.replace(' ', ' with threads: ')}`);
  console.log(`network: ${plan.model.name}, ${plan.totals.params.toLocaleString('en-US')} params, ${(plan.totals.macs / 1e6).toFixed(2)} M mult-adds/image, batch ${batch}, ${steps} timed steps, best of ${rounds} interleaved rounds`);
  for (const k of Object.keys(results)) {
    if (results[k]!.length === 0) continue;
    console.log(`${(k + ':').padEnd(20)} ${best(k).toFixed(1).padStart(8)} images/s (rounds: ${results[k]!.map((v) => v.toFixed(0)).join(', ')})`);
  }
  console.log(`generated trainer / netc:          ${(best('generated trainer') / best('netc')).toFixed(2)}x`);
  if (twin) {
    console.log(`generated trainer / hand-written:  ${(best('generated trainer') / best('hand-written')).toFixed(2)}x`);
    console.log(`generated module / hand-written:   ${(best('generated module') / best('hand-written')).toFixed(2)}x`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
