/**
 * `netc prepare [spec|folder]`: decode, resize and store an image folder as
 * shards once (runtime/data/prepare.ts), with the spec's preprocessing or,
 * for a bare folder, the paper's (shorter side 256, centre 256x256, RGB).
 * `--verify` re-reads an existing prepared folder and checks every shard.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../plan/types.js';
import { ExitCode, InputError, UsageError } from '../exit-codes.js';
import { findSpecFiles } from '../find-specs.js';
import { loadModel } from '../load-model.js';
import { printDiagnostics } from '../output.js';
import { parseCount } from './train.js';

interface PrepareFlags {
  data?: string;
  out?: string;
  resize?: string;
  centerCrop?: string;
  channels?: string;
  labels?: string;
  badImages?: string;
  maxPixels?: string;
  workers?: string;
  shardImages?: string;
  force?: boolean;
  verify?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** `n` or `HxW` (e.g. 256 or 256x320), or `none`: null. */
function parseSize(flag: string, v: string): { n: number | null; height: number; width: number } | null {
  if (v === 'none') return null;
  const m = /^(\d+)(?:x(\d+))?$/.exec(v);
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new UsageError(`--${flag} must be n or HxW (e.g. 256 or 256x320) or none, got \`${v}\``);
  const height = Number(m[1]);
  return m[2] === undefined ? { n: height, height, width: height } : { n: null, height, width: Number(m[2]) };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function registerPrepare(program: Command): void {
  program
    .command('prepare')
    .description('decode and resize an image folder once into shards, with its mean and colour statistics, for fast training')
    .argument('[source]', "a spec with an image-folder dataset, or an image folder (train/, val/ or test/ inside); default: the folder's spec")
    .option('--data <folder>', 'with a spec: the image folder (default: the spec\'s dataset path)')
    .option('--out <dir>', 'where the shards go (default: <image folder>/netc-shards, where training looks)')
    .option('--resize <n|HxW>', 'folder only: shorter side to n, or exactly HxW; `none` keeps the size (default 256)')
    .option('--center-crop <n|HxW>', 'folder only: central patch to keep; `none` for none (default 256)')
    .option('--channels <n>', 'folder only: 3 (RGB, default) or 1 (grey)')
    .option('--labels <file>', 'folder only: labels file (one class folder per line, then its name), relative to the folder')
    .option('--bad-images <policy>', 'folder only: skip (default) or error, for files that cannot be decoded')
    .option('--max-pixels <n>', `folder only: refuse images with more pixels (default ${DEFAULT_MAX_IMAGE_PIXELS})`)
    .option('--workers <n>', 'decoding threads (default: the cores but one)')
    .option('--shard-images <n>', 'images per shard (default: about 256 MB per shard)')
    .option('--force', 'replace what --out holds (another dataset, other settings)')
    .option('--verify', 'check an existing prepared folder: every shard\'s header, size and checksum')
    .option('--json', 'JSON lines on stdout')
    .option('-q, --quiet', 'no progress output')
    .action(async (sourceArg: string | undefined, f: PrepareFlags) => {
      const workers = parseCount('workers', f.workers, 0);
      const shardImages = parseCount('shard-images', f.shardImages);
      if (f.verify) return verify(sourceArg ?? '.', f.json === true);
      let source = sourceArg;
      if (source === undefined) {
        const specs = findSpecFiles('.');
        if (specs.length !== 1) throw new UsageError(specs.length === 0 ? 'nothing to prepare: pass a spec or an image folder' : `several specs here: pass one of ${specs.join(', ')}`);
        source = specs[0]!;
      }
      if (!existsSync(source)) throw new UsageError(`no such spec or folder \`${source}\``);
      const { decodeOptions } = await import('../../runtime/train/data-setup.js');
      const { defaultWorkers } = await import('../../runtime/data/workers.js');
      let root: string;
      let decode: ReturnType<typeof decodeOptions>;
      let labelsFile: string | null;
      let badImages: 'skip' | 'error';
      if (isDirectory(source)) {
        root = source;
        const channels = f.channels === undefined ? 3 : Number(f.channels);
        if (channels !== 1 && channels !== 3) throw new UsageError(`--channels must be 1 or 3, got \`${f.channels}\``);
        const resize = parseSize('resize', f.resize ?? '256');
        const crop = parseSize('center-crop', f.centerCrop ?? '256');
        decode = {
          channels,
          resize: resize && (resize.n !== null ? { shorter: resize.n } : { height: resize.height, width: resize.width }),
          centerCrop: crop && { height: crop.height, width: crop.width },
          maxPixels: parseCount('max-pixels', f.maxPixels) ?? DEFAULT_MAX_IMAGE_PIXELS,
        };
        labelsFile = f.labels ?? null;
        if (f.badImages !== undefined && f.badImages !== 'skip' && f.badImages !== 'error') throw new UsageError('--bad-images must be skip or error');
        badImages = (f.badImages as 'skip' | 'error' | undefined) ?? 'skip';
      } else {
        for (const k of ['resize', 'centerCrop', 'channels', 'labels', 'badImages', 'maxPixels'] as const) {
          if (f[k] !== undefined) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for a bare folder; with a spec, set it in the spec's \`data:\``);
        }
        const model = loadModel(source);
        printDiagnostics(model.diagnostics);
        if (!model.plan || hasErrors(model.diagnostics)) throw new InputError(`\`${source}\` has errors: fix them first`);
        const data = model.plan.data;
        if (!data || data.dataset.kind !== 'image-folder') throw new UsageError(`\`${source}\` does not train on an image folder (data.dataset.kind: image-folder); nothing to prepare`);
        const path = f.data ?? data.dataset.path ?? process.env.NETC_DATA;
        if (!path) throw new UsageError(`\`${source}\` names no dataset folder: pass --data <folder>`);
        root = f.data ? path : resolve(source.endsWith('.json') ? '.' : dirname(source), path);
        decode = decodeOptions(data, model.plan.input.shape[2] ?? 3);
        labelsFile = data.dataset.labels;
        badImages = data.badImages;
      }
      const { prepareDataset } = await import('../../runtime/data/prepare.js');
      const { choosePrepareReporter } = await import('../../runtime/data/prepare-progress.js');
      let stop = false;
      const onSignal = () => {
        if (stop) process.exit(ExitCode.Interrupted);
        stop = true;
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = await prepareDataset({
          root, out: f.out ?? join(root, 'netc-shards'), decode, labelsFile, badImages,
          workers: workers ?? defaultWorkers(), ...(shardImages ? { shardImages } : {}), force: f.force === true,
          onEvent: choosePrepareReporter({ json: f.json, quiet: f.quiet }), stopRequested: () => stop,
        });
        process.exitCode = r.status === 'interrupted' ? ExitCode.Interrupted : ExitCode.Ok;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** --verify: headers, sizes and SHA-256 of every shard of a prepared folder (or of <folder>/netc-shards). */
async function verify(path: string, json: boolean): Promise<void> {
  const { findPrepared, readPreparedIndex, checkPrepared } = await import('../../runtime/data/prepared.js');
  const { shardChecksum } = await import('../../runtime/data/shards.js');
  const { DataError } = await import('../../runtime/data/errors.js');
  const dir = findPrepared(path);
  if (!dir) throw new UsageError(`\`${path}\` holds no prepared dataset (index.json); run \`netc prepare\` first`);
  const idx = readPreparedIndex(dir);
  checkPrepared(dir, idx);
  let shards = 0;
  for (const s of [idx.splits.train, idx.splits.test]) {
    for (const sh of s?.shards ?? []) {
      if (shardChecksum(join(dir, sh.file)) !== sh.sha256) throw new DataError(join(dir, sh.file), 'its images or labels do not match the checksum in index.json (the file is damaged); run `netc prepare --force` to rebuild');
      shards++;
    }
  }
  const images = idx.splits.train.count + (idx.splits.test?.count ?? 0);
  if (json) process.stdout.write(JSON.stringify({ dir, shards, images, ok: true }) + '\n');
  else process.stdout.write(`${dir}: ${shards} shards, ${images.toLocaleString('en-US')} images, all intact\n`);
}
