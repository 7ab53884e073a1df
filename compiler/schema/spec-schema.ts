/**
 * The JSON Schema of a netc spec (draft 2020-12 subset that ajv and
 * yaml-language-server both read). It checks the *form*: keys, types, enums.
 * Meaning (shapes, ranges with a story, names) is checked by compiler/passes.
 * specs/netc.schema.json is generated from this object (`netc schema`), and a
 * test keeps the two equal.
 */
export const SPEC_VERSION = 1;

import { LAYER_KINDS, LAYER_TYPES } from '../ops/index.js';
import { activation, ACTIVATIONS, bias, common, init, int, intOrPair, multiplier, num, rounding, str, type Schema } from './fragments.js';

export { LAYER_TYPES, ACTIVATIONS };
export const METRICS = ['loss', 'top1_error', 'top5_error', 'accuracy'];

/** Each layer type's keys, from its kind's module (compiler/ops), with the keys every layer has. */
const layerDefs: Record<string, Schema> = Object.fromEntries(
  LAYER_KINDS.flatMap((k) =>
    Object.entries(k.types).map(([type, t]) => [type, { description: t.description, properties: { ...common, ...t.properties }, ...(t.required ? { required: t.required } : {}) }]),
  ),
);

/** A layer whose type is no layer kind: an instance of a block, with its arguments (checked against the block's parameters). */
const blockInstance: Schema = {
  type: 'object',
  description: 'an instance of a block: `type` names the block, the other keys are its arguments',
  properties: {
    name: common.name,
    type: { type: 'string' },
    input: common.input,
    inputs: common.inputs,
    repeat: { ...int(1), description: 'instances in a chain, named <name>.block1, <name>.block2, ...' },
    first: { type: 'object', description: 'arguments that differ for the first instance (a stride-2 projection, say)' },
    comment: common.comment,
  },
};

const builtinBranches = LAYER_TYPES.map((t) => ({
  if: { properties: { type: { const: t } }, required: ['type'] },
  then: { $ref: `#/$defs/${t}` },
}));

/** A layer of the spec: a layer kind with its keys, or (any other type) an instance of a block. */
const layer: Schema = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', description: `layer type (${LAYER_TYPES.join(', ')}) or the name of a block` } },
  allOf: [...builtinBranches, { if: { properties: { type: { not: { enum: LAYER_TYPES } } }, required: ['type'] }, then: { $ref: '#/$defs/block_instance' } }],
};

/** Layers are checked by one shared definition (the validator compiles it once, not once per place). */
const layerRef: Schema = { $ref: '#/$defs/layer' };

const block: Schema = {
  description: 'a block: layers with parameters, used as a layer type',
  ...objectOf({
    description: str('free text'),
    comment: str('free text'),
    params: { type: 'object', description: 'parameter -> default value (null: the use must give it); `$name` in the layers is replaced by the value' },
    layers: {
      type: 'array',
      minItems: 1,
      description: 'the layers, as in `layers:`, with `$param` values and `when: $param` (false leaves the layer out; its readers read its input); `input` is the block input',
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, name: { type: 'string' } } },
    },
    output: str('the layer whose output is the block output; default: the last layer'),
  }, ['layers']),
};

const lrField: Schema = { ...num, description: 'initial learning rate (the paper: 0.01)' };

const optimizer: Schema = {
  type: 'object',
  description: "sgd is the paper's rule: v = momentum*v - weight_decay*lr*w - lr*grad; w += v",
  required: ['type'],
  properties: { type: { enum: ['sgd', 'momentum', 'adam'] } },
  allOf: [
    { if: { properties: { type: { const: 'sgd' } } }, then: objectOf({ type: {}, lr: lrField, momentum: { ...num, description: 'the paper: 0.9 (default)' }, weight_decay: { ...num, description: 'the paper: 0.0005 (default); multiplied by lr, as in the paper' } }, ['lr']) },
    { if: { properties: { type: { const: 'momentum' } } }, then: objectOf({ type: {}, lr: lrField, momentum: { ...num, description: 'default 0.9' }, weight_decay: { ...num, description: 'L2 term added to the gradient, default 0' }, nesterov: { type: 'boolean', description: 'Nesterov momentum' } }, ['lr']) },
    { if: { properties: { type: { const: 'adam' } } }, then: objectOf({ type: {}, lr: lrField, beta1: { ...num, description: 'default 0.9' }, beta2: { ...num, description: 'default 0.999' }, epsilon: { ...num, description: 'default 1e-8' }, weight_decay: { ...num, description: 'L2 term added to the gradient, default 0' } }, ['lr']) },
  ],
};

const warmup: Schema = { description: 'ramp the rate up linearly at the start', ...objectOf({ epochs: { ...int(1), description: 'epochs of linear warmup' }, from: { ...num, description: 'starting fraction of the learning rate' } }, ['epochs']) };

const schedule: Schema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['constant', 'plateau', 'step', 'multistep', 'cosine'] } },
  allOf: [
    { if: { properties: { type: { const: 'constant' } } }, then: objectOf({ type: {}, warmup }) },
    {
      if: { properties: { type: { const: 'plateau' } } },
      then: objectOf({
        type: {},
        metric: { type: 'string', description: 'watched metric, e.g. val_top1_error or val_loss' },
        factor: { ...num, description: 'multiply the lr by this (the paper: 0.1)' },
        patience: { ...int(0), description: 'epochs without improvement before reducing' },
        min_delta: { ...num, description: 'smallest change that counts as improvement' },
        cooldown: { ...int(0), description: 'epochs to wait after a reduction' },
        max_reductions: { ...int(0), description: 'the paper reduced 3 times' },
        min_lr: { ...num, description: 'never go below this rate' },
        warmup,
      }),
    },
    { if: { properties: { type: { const: 'step' } } }, then: objectOf({ type: {}, every: { ...int(1), description: 'epochs between reductions' }, factor: { ...num, description: 'multiply the lr by this, default 0.1' }, warmup }, ['every']) },
    { if: { properties: { type: { const: 'multistep' } } }, then: objectOf({ type: {}, milestones: { type: 'array', items: int(1), minItems: 1, description: 'epochs at which to reduce' }, factor: { ...num, description: 'multiply the lr by this, default 0.1' }, warmup }, ['milestones']) },
    { if: { properties: { type: { const: 'cosine' } } }, then: objectOf({ type: {}, min_lr: { ...num, description: 'rate at the end of training' }, warmup }) },
  ],
};

const train: Schema = objectOf({
  batch: { ...int(1), description: 'batch size (the paper: 128)' },
  epochs: { ...int(1), description: 'passes over the training set (the paper: about 90)' },
  optimizer,
  schedule: { ...schedule, description: 'learning-rate schedule; the paper: plateau, factor 0.1' },
  metrics: { type: 'array', items: { enum: METRICS }, uniqueItems: true, description: 'what to track (top-5 only with more than 5 classes)' },
  label_smoothing: { ...num, description: 'smooth the one-hot targets by this amount' },
  early_stopping: {
    description: 'stop when the watched metric has not improved by more than min_delta for `patience` epochs in a row (best.ckpt keeps the best epoch)',
    ...objectOf({
      patience: { ...int(1), description: 'epochs without improvement before stopping' },
      metric: { type: 'string', description: "watched metric, e.g. val_top1_error or val_loss; default: the plateau schedule's metric, else val_top1_error" },
      min_delta: { type: 'number', minimum: 0, description: 'smallest decrease that counts as improvement, default 0' },
    }, ['patience']),
  },
});

const dataset: Schema = {
  anyOf: [
    { enum: ['fashion-mnist', 'cifar10'] },
    objectOf(
      {
        kind: {
          enum: ['fashion-mnist', 'idx', 'cifar10', 'image-folder'],
          description:
            'file format: fashion-mnist or idx (IDX files, gzipped or not), cifar10 (the binary batches), image-folder (<folder>/train/<class>/*.jpg with val/ or test/ beside it, as ImageNet and torchvision; or the shards `netc prepare` makes of one)',
        },
        path: str('folder holding the files, relative to the spec (--data on the command line overrides it); for image-folder, the image folder or its prepared shards'),
        classes: { ...int(1), description: 'number of classes, where the files do not say (image-folder: checked against the class folders or labels file)' },
        labels: str('image-folder: a labels file, relative to the dataset folder: one class per line, its folder name first, then optionally a readable name (ImageNet\'s synset_words.txt); its line order gives the class indices (default: the sorted train/ folder names)'),
      },
      ['kind'],
    ),
  ],
};

const data: Schema = objectOf({
  dataset: { ...dataset, description: "the training data: fashion-mnist or cifar10 (their standard files, looked for in --data, the spec folder's data/, $NETC_DATA, then /usr/share/datasets), or a mapping with the keys below" },
  validation: { description: "`test` (the test split: image-folder's val/ or test/) or a fraction of train held out (default `test`)", anyOf: [{ const: 'test' }, num] },
  train_limit: { ...int(1), description: 'use only the first n training images (quick runs)' },
  preprocess: { description: 'what every image gets before augmentation: resize and centre crop once (`netc prepare` stores the result), then scale, mean and std per batch', ...objectOf({
    resize: intOrPair(1, 'n: rescale so the shorter side is n, the longer floor(longer * n / shorter) (the paper: 256); [h, w]: rescale to exactly h x w. Bilinear with antialiasing (docs/data.md)'),
    center_crop: intOrPair(1, 'keep the central n x n (or [h, w]) patch, top-left offset floor((size - crop) / 2) (the paper: 256)'),
    scale: { ...num, description: 'multiply pixel values (0-255) by this first, e.g. 0.00392156862745098 (1/255, the default); the paper: 1' },
    mean: { description: 'subtract, after scaling: none (default), per-pixel (the mean image of the training set, the paper), per-channel, or a list of one value per channel', anyOf: [{ enum: ['none', 'per-pixel', 'per-channel'] }, { type: 'array', items: num }] },
    std: { description: 'divide each channel by these values, after the mean', type: 'array', items: num },
  }) },
  augment: { description: 'training-time augmentation, drawn per image from the seed and the batch position (so resume repeats it exactly)', ...objectOf({
    random_crop: intOrPair(1, 'crop n x n (or [h, w]) at a uniformly random position of the (padded) image (the paper: 227, its "224")'),
    pad: { ...int(0), description: 'zero padding added on each side before the random crop (CIFAR-style; default 0)' },
    flip: { type: 'boolean', description: 'mirror each image left-right with probability 0.5' },
    pca_colour: { ...num, description: "std of the paper's PCA colour noise (0.1): each image gets sum_i p_i * a_i * l_i added to every pixel, a_i ~ N(0, std), with p_i, l_i the eigenvectors and eigenvalues of the covariance of the training set's RGB values in [0, 1] (so the same noise for any `scale`; docs/data.md); 0 (default) is off" },
  }) },
  test_crops: { description: 'evaluation and test crops: center (default), or ten (the 4 corners and the centre, and their mirrors; softmax averaged, the paper)', enum: ['center', 'ten'] },
  bad_images: { description: 'image-folder: a file that cannot be decoded, or is larger than max_image_pixels: skip (default: left out and listed, as Caffe\'s convert_imageset) or error (stop, naming the file)', enum: ['skip', 'error'] },
  max_image_pixels: { ...int(1), description: 'image-folder: images with more pixels (width x height, read from the header before decoding) are bad images; default 100000000' },
});

const variant = {
  extends: str('base spec, relative to this file'),
  modify: {
    type: 'object',
    description: 'per layer name, attributes to change (null removes an attribute)',
    additionalProperties: { type: 'object' },
  },
  insert: {
    type: 'array',
    description: 'layers to add before or after a named base layer',
    items: objectOf({ before: { type: 'string' }, after: { type: 'string' }, layers: { type: 'array', items: layerRef } }, ['layers']),
  },
  remove: { type: 'array', items: { type: 'string' }, description: 'layer names to remove' },
};

function objectOf(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, additionalProperties: false, ...(required.length ? { required } : {}) };
}

export const specSchema: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://netc.dev/schema/netc.schema.json',
  title: 'netc model spec',
  type: 'object',
  additionalProperties: false,
  required: ['netc', 'name', 'input', 'layers'],
  properties: {
    $schema: { type: 'string' },
    netc: { const: SPEC_VERSION, description: 'spec format version' },
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', description: 'model name' },
    description: str('free text'),
    seed: { ...int(0), description: 'seed for init, data order, dropout and augmentation' },
    input: { description: 'the input of one example', ...objectOf(
      {
        shape: { type: 'array', items: int(1), minItems: 1, maxItems: 3, description: '[h, w, c] or [n]' },
        dtype: { enum: ['float32'], description: 'element type (float32)' },
      },
      ['shape'],
    ) },
    towers: { ...int(1), description: "split every layer's outputs over this many towers (the paper: 2)" },
    placement: { enum: ['towers', 'data'], description: 'multi-device default: towers (model parallel) or data parallel' },
    defaults: { ...objectOf({ init, bias, act: activation, lr_mult: multiplier, decay_mult: multiplier, round: rounding }), description: 'values every layer gets unless it says otherwise' },
    blocks: { type: 'object', additionalProperties: block, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }, description: 'reusable blocks by name (docs/graphs.md); a layer whose `type` is a block name is an instance of it' },
    layers: { type: 'array', items: layerRef, description: 'the network, in order; a layer reads the one before it unless it names its `input`/`inputs`' },
    output: { type: 'string', description: 'the layer whose output is the model output; default: the one layer nobody reads' },
    train: { ...train, description: 'how to train: batch, epochs, optimizer, schedule, metrics' },
    data: { ...data, description: 'dataset, preprocessing, augmentation' },
    ...variant,
  },
  $defs: {
    ...Object.fromEntries(Object.entries(layerDefs).map(([t, def]) => [t, { type: 'object', additionalProperties: false, ...def }])),
    block_instance: blockInstance,
    layer,
  },
};

