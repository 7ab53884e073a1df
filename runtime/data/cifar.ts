/**
 * CIFAR-10 "binary version" batches: each record is 1 label byte followed by
 * 3072 bytes of 32x32 pixels stored as three planes (all R, then all G, then
 * all B). The runtime works in NHWC, so records are interleaved on load.
 */
import { DataError } from './errors.js';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_PIXELS; // 3073
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

/** Convert a buffer of CIFAR records to NHWC images and labels, validating size and labels. */
export function cifarRecordsToNHWC(buf: Uint8Array, file: string): { images: Uint8Array; labels: Uint32Array; count: number } {
  if (buf.length === 0 || buf.length % CIFAR_RECORD_BYTES !== 0) {
    throw new DataError(
      file,
      `size ${buf.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte CIFAR-10 records ` +
        `(a full batch is 10000 records = 30730000 bytes); the file is truncated or not a CIFAR-10 binary batch`,
    );
  }
  const count = buf.length / CIFAR_RECORD_BYTES;
  const images = new Uint8Array(count * 3 * CIFAR_PIXELS);
  const labels = new Uint32Array(count);
  for (let r = 0; r < count; r++) {
    const rec = r * CIFAR_RECORD_BYTES;
    const label = buf[rec]!;
    if (label >= CIFAR10_CLASSES.length) {
      throw new DataError(file, `record ${r} has label ${label}, CIFAR-10 labels are 0-9 (is this the CIFAR-100 file?)`);
    }
    labels[r] = label;
    const out = r * 3 * CIFAR_PIXELS;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      // plane c of pixel p sits at rec + 1 + c*1024 + p; NHWC wants channel fastest.
      images[out + 3 * p] = buf[rec + 1 + p]!;
      images[out + 3 * p + 1] = buf[rec + 1 + CIFAR_PIXELS + p]!;
      images[out + 3 * p + 2] = buf[rec + 1 + 2 * CIFAR_PIXELS + p]!;
    }
  }
  return { images, labels, count };
}
