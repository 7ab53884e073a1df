/** The runtime's data layer: dataset loading, checks, batching, augmentation, seeded randomness. */
export { DataError } from './errors.js';
export type { DataSpec, Dataset, DatasetKind, LoadOptions, Split } from './types.js';
export { loadDataset, checkDatasetFits, FASHION_MNIST_CLASSES, type FitOptions, type DatasetFit } from './datasets.js';
export { splitHoldout, subsetDataset } from './split.js';
export { readIdxImages, readIdxLabels, readIdxPair, parseIdx, encodeIdx, writeIdx, type IdxImages } from './idx.js';
export { cifarRecordsToNHWC, CIFAR10_CLASSES } from './cifar.js';
export { loadImageFolder, listSplit, datasetClasses, readLabelsFile, type ClassList, type ImageFileList } from './image-folder.js';
export { decodeImage, type DecodeOptions, type DecodedImage } from './decode.js';
export { encodePng } from './png.js';
export { Rng, deriveSeed, type RngState } from './rng.js';
export { symmetricEigen, type SymmetricEigen } from './eigen.js';
export {
  padImages,
  randomCrop,
  randomFlip,
  centerCrop,
  centreOffset,
  tenCrop,
  computeMean,
  subtractMean,
  pcaColourBasis,
  pcaColourOffset,
  pcaColourJitter,
  type MeanStats,
  type PcaColourBasis,
} from './augment.js';
export { augmentHost, tenCropHost, type HostAugmentOptions, type Shape4 } from './host-augment.js';
export {
  iterateBatches,
  prefetch,
  epochOrder,
  batchSeed,
  batchesPerEpoch,
  positionFromStep,
  gatherBatch,
  type Batch,
  type BatchOptions,
  type BatchPosition,
} from './batches.js';
