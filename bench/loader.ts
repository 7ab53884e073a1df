/**
 * Data loading speed: netc's loader against PyTorch's DataLoader with
 * torchvision transforms and PIL, on the same JPEG files, with the same
 * number of worker processes/threads, doing the same work per image: decode,
 * resize the shorter side to 256 (bilinear, antialiased), centre crop
 * 256x256, random crop 227x227, random horizontal flip, to float32 in
 * [0, 1], batched. The files are made here (generated photos of random
 * sizes between 200 and 500 pixels); nothing is downloaded.
 *
 *   node dist/bench/loader.js [--images 2000] [--workers 1,2] [--rounds 3] [--batch 64] [--python /usr/bin/python3]
 *
 * Rounds alternate netc and PyTorch; each figure is the best round (the
 * machine is shared, so the best is the least disturbed). Time counts from
 * the first batch to the last, so start-up (threads, processes) is not
 * measured. Also prints how far the two pipelines' pixels are apart.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeImageFolder } from './image-folder.js';
import { decodeImage, type DecodeOptions } from '../runtime/data/decode.js';
import { datasetClasses, listSplit } from '../runtime/data/image-folder.js';
import type { BatchRecipe } from '../runtime/data/jobs.js';
import { BatchLoader, type ImageSet } from '../runtime/data/loader.js';
import { createRunner } from '../runtime/data/workers.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const images = Number(flag('images', '2000'));
const workerCounts = flag('workers', '1,2').split(',').map(Number);
const rounds = Number(flag('rounds', '3'));
const batch = Number(flag('batch', '64'));
const python = flag('python', '/usr/bin/python3');
process.env.UV_THREADPOOL_SIZE ??= '8';

const PY = String.raw`
import sys, time, json
import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
root, workers, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(256), transforms.RandomCrop(227), transforms.RandomHorizontalFlip(), transforms.ToTensor()])
ds = datasets.ImageFolder(root, transform=tf)
loader = DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers)
t0 = None; n = 0; first = 0
for x, y in loader:
    if t0 is None:
        t0 = time.perf_counter(); first = x.shape[0]
    n += x.shape[0]
dt = time.perf_counter() - t0
print(json.dumps({"images": n, "rate": (n - first) / dt}))
`;

/** PIL's bilinear Resize(256), then the centre crop at netc's offsets (floor; torchvision's CenterCrop rounds half to even). */
const PY_PIXELS = String.raw`
import sys
from PIL import Image
from torchvision import transforms
resize = transforms.Resize(256)
out = open(sys.argv[1], 'wb')
for f in sys.argv[2:]:
    im = resize(Image.open(f).convert('RGB'))
    w, h = im.size
    l, t = (w - 256) // 2, (h - 256) // 2
    out.write(im.crop((l, t, l + 256, t + 256)).tobytes())
`;

async function netcRate(set: ImageSet, decode: DecodeOptions, workers: number): Promise<number> {
  const recipe: BatchRecipe = { scale: 1 / 255, std: null, augment: { crop: { height: 227, width: 227, mode: 'random', pad: 0 }, flipProbability: 0.5 }, tenCrop: null };
  const loader = await BatchLoader.open(createRunner(workers), [{ kind: 'files', decode, height: 256, width: 256, channels: 3 }], [recipe], { badImages: 'error' });
  let t0 = 0;
  let n = 0;
  let first = 0;
  for await (const b of loader.batches(set, 0, { batchSize: batch, seed: 1 })) {
    if (t0 === 0) {
      t0 = performance.now();
      first = b.size;
    }
    n += b.size;
  }
  await loader.close();
  return (n - first) / ((performance.now() - t0) / 1000);
}

function torchRate(root: string, script: string, workers: number): number {
  const r = spawnSync(python, [script, root, String(workers), String(batch)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch run failed: ${r.stderr.trim().split('\n').pop()}`);
  return (JSON.parse(r.stdout.trim()) as { rate: number }).rate;
}

const dir = mkdtempSync(join(tmpdir(), 'netc-bench-loader-'));
try {
  if (spawnSync(python, ['-c', 'import torch, torchvision, PIL'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(`${python} cannot import torch, torchvision and PIL (Debian: apt-get install python3-torch python3-torchvision)`);
  }
  const classes = 10;
  const t = Date.now();
  await makeImageFolder({ root: dir, classes, trainPerClass: Math.ceil(images / classes), valPerClass: 0, minSide: 200, maxSide: 500, seed: 3, quality: 90 });
  const cls = datasetClasses(dir, null);
  const list = listSplit(join(dir, 'train'), cls);
  console.log(`${list.files.length} JPEGs of 200-500 px made in ${((Date.now() - t) / 1000).toFixed(1)} s; batch ${batch}, ${rounds} interleaved rounds, best round reported`);
  const decode: DecodeOptions = { channels: 3, resize: { shorter: 256 }, centerCrop: { height: 256, width: 256 }, maxPixels: 1e8 };
  const set: ImageSet = { source: 0, count: list.files.length, labels: list.labels, indices: null, files: list.files, height: 256, width: 256, channels: 3, numClasses: classes, classNames: cls.names, origin: dir };
  const script = join(dir, 'torch_loader.py');
  writeFileSync(script, PY);

  for (const workers of workerCounts) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      ours.push(await netcRate(set, decode, workers));
      theirs.push(torchRate(join(dir, 'train'), script, workers));
    }
    const [a, b] = [Math.max(...ours), Math.max(...theirs)];
    console.log(
      `${workers} worker${workers === 1 ? '' : 's'}: netc ${a.toFixed(0)} images/s, PyTorch DataLoader + torchvision + PIL ${b.toFixed(0)} images/s: ${(a / b).toFixed(2)}x ` +
        `(rounds: netc ${ours.map((x) => x.toFixed(0)).join(' ')}; PyTorch ${theirs.map((x) => x.toFixed(0)).join(' ')})`,
    );
  }

  // How far apart the two resizes are: the same 50 files through both, centre 256x256 compared.
  const sample = list.files.slice(0, 50);
  const pixScript = join(dir, 'pil_pixels.py');
  const pixOut = join(dir, 'pil.bin');
  writeFileSync(pixScript, PY_PIXELS);
  const r = spawnSync(python, [pixScript, pixOut, ...sample], { encoding: 'utf8' });
  if (r.status === 0 && existsSync(pixOut)) {
    const pil = readFileSync(pixOut);
    let sum = 0;
    let max = 0;
    let within2 = 0;
    const per = 256 * 256 * 3;
    for (let i = 0; i < sample.length; i++) {
      const ours = (await decodeImage(sample[i]!, decode)).data;
      for (let k = 0; k < per; k++) {
        const d = Math.abs(ours[k]! - pil[i * per + k]!);
        sum += d;
        max = Math.max(max, d);
        if (d <= 2) within2++;
      }
    }
    const n = sample.length * per;
    console.log(`pixels vs PIL's bilinear Resize(256), same crop, on ${sample.length} files: mean |difference| ${(sum / n).toFixed(2)} levels, max ${max}, ${((100 * within2) / n).toFixed(1)}% within 2 levels`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
