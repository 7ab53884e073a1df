/**
 * Write the first N samples of an IDX dataset as gzipped IDX files.
 * Produces the small Fashion-MNIST copy shipped in examples/fashion-mnist/data:
 *
 *   node dist/runtime/data/make-subset.js [srcDir] [dstDir] [nTrain] [nTest]
 *
 * Defaults: /usr/share/datasets/fashion-mnist -> examples/fashion-mnist/data, 6000 / 1000.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataError } from './errors.js';
import { readIdxPair, writeIdx } from './idx.js';

function findIdx(dir: string, base: string): string {
  for (const f of [join(dir, base), join(dir, `${base}.gz`)]) if (existsSync(f)) return f;
  throw new DataError(join(dir, `${base}[.gz]`), 'file not found');
}

/** Copy the first `counts.train` / `counts.test` samples of srcDir's IDX files into dstDir (gzipped). Returns the files written. */
export function makeIdxSubset(srcDir: string, dstDir: string, counts: { train: number; test: number }): string[] {
  mkdirSync(dstDir, { recursive: true });
  const written: string[] = [];
  for (const [prefix, n] of [['train', counts.train], ['t10k', counts.test]] as const) {
    const imgName = `${prefix}-images-idx3-ubyte`;
    const lblName = `${prefix}-labels-idx1-ubyte`;
    const src = readIdxPair(findIdx(srcDir, imgName), findIdx(srcDir, lblName));
    if (n > src.count) throw new DataError(srcDir, `asked for ${n} ${prefix} samples but it has only ${src.count}`);
    const px = src.height * src.width;
    const img = join(dstDir, `${imgName}.gz`);
    const lbl = join(dstDir, `${lblName}.gz`);
    writeIdx(img, [n, src.height, src.width], src.data.subarray(0, n * px), true);
    writeIdx(lbl, [n], src.labels.subarray(0, n), true);
    written.push(img, lbl);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [src = '/usr/share/datasets/fashion-mnist', dst = 'examples/fashion-mnist/data', nTrain = '6000', nTest = '1000'] = process.argv.slice(2);
  try {
    for (const f of makeIdxSubset(src, dst, { train: Number(nTrain), test: Number(nTest) })) console.log(f);
  } catch (err) {
    console.error(err instanceof DataError ? err.message : err);
    process.exitCode = 1;
  }
}
