/**
 * The two printers are exact inverses of the two frontends: for generated
 * specs (random layer stacks within the schema, with awkward strings and
 * numbers), toNetc -> parse and toYaml -> parse give back the same JSON value.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toNetc, toYaml } from '../../compiler/convert/index.js';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import type { JsonValue } from '../../compiler/frontend/document.js';
import { validateForm } from '../../compiler/passes/validate-form.js';
import { LAYER_TYPES } from '../../compiler/schema/spec-schema.js';
import { parseNetcText, parseYamlText, sameJson } from './helpers.js';

const opt = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: (keyof T)[] = []) =>
  fc.record(model, { requiredKeys: required }) as fc.Arbitrary<Partial<T>>;

// Strings that trip printers: keywords, numbers, calls, quotes, `#`, spaces, unicode.
const tricky = fc.constantFrom('true', 'null', 'false', '1e-4', '96', 'normal(0, 0.01)', 'normal(0,0.01)', 'a b', 'say "hi"', '#x', 'x=y', '{a}', '[1]', '', 'yes', '- x', 'a: b', 'é', '\\', 'tab\there', 'line\nbreak', '11x11/4');
const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
const text = fc.oneof(word, tricky, fc.string({ maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const int = (min = 0) => fc.integer({ min, max: 5000 });
const num = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(1e-4, 0.0005, -0, 1e21, 5e-324, 0.1, 0.75),
);
const pair = <T>(a: fc.Arbitrary<T>) => fc.tuple(a, a);
const intOrPair = (min: number) => fc.oneof(int(min), pair(int(min)));
const pad = fc.oneof(int(0), pair(int(0)), fc.tuple(int(0), int(0), int(0), int(0)), fc.constantFrom('same', 'valid'));
const act = fc.constantFrom('relu', 'tanh', 'sigmoid', 'linear', 'leaky_relu', 'leaky_relu(0.2)', 'leaky_relu( 0.2 )');
const initString = fc.constantFrom('normal(0, 0.01)', 'normal(0,0.01)', 'truncated_normal(0, 1e-2)', 'uniform(-1, 1)', 'constant(0.1)', 'zeros', 'ones', 'he_normal', 'glorot_uniform');
const init = fc.oneof(num, initString);
const bias = fc.oneof(num, initString, fc.boolean());
const mult = fc.oneof(num, pair(num));
const rounding = fc.constantFrom('floor', 'ceil');
const connect = fc.constantFrom('tower', 'all');
const common = { name: text, comment: text, input: text, inputs: fc.array(text, { minLength: 1, maxLength: 3 }) };
const weighted = { connect, act, init, bias, lr_mult: mult, decay_mult: mult };

/** Layers of a block may hold `$param` where a value goes. */
const paramRef = fc.stringMatching(/^\$[A-Za-z_][A-Za-z0-9_]{0,5}$/);
const layerOf = (count: fc.Arbitrary<JsonValue>) => fc.oneof(
  opt({ type: fc.constant('conv'), ...common, filters: count, kernel: intOrPair(1), stride: intOrPair(1), pad, dilation: intOrPair(1), round: rounding, groups: int(1), ...weighted }, ['type', 'filters', 'kernel']),
  ...['maxpool', 'avgpool'].map((t) => opt({ type: fc.constant(t), ...common, window: intOrPair(1), stride: intOrPair(1), pad, round: rounding }, ['type', 'window'])),
  opt({ type: fc.constant('lrn'), ...common, size: int(1), alpha: num, beta: num, k: num }, ['type']),
  opt({ type: fc.constant('dropout'), ...common, p: num }, ['type']),
  opt({ type: fc.constant('dense'), ...common, units: count, ...weighted }, ['type', 'units']),
  ...['flatten', 'softmax', 'relu', 'tanh', 'sigmoid', 'globalavgpool', 'globalmaxpool', 'concat'].map((t) => opt({ type: fc.constant(t), ...common }, ['type'])),
  opt({ type: fc.constant('leaky_relu'), ...common, slope: num }, ['type']),
  opt({ type: fc.constant('batchnorm'), ...common, momentum: fc.double({ min: 0, max: 1, noNaN: true }), epsilon: fc.double({ min: 1e-9, max: 1, noNaN: true }), affine: fc.boolean(), act, lr_mult: mult, decay_mult: mult }, ['type']),
  opt({ type: fc.constant('add'), ...common, act }, ['type']),
);
const layer = layerOf(int(1));
/** Block names and instances: any type that is not a layer kind names a block. */
const blockName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/).filter((n) => !LAYER_TYPES.includes(n));
const argValue = fc.oneof(num, text, fc.boolean(), pair(int(1)), fc.constant(null));
const instance = fc.tuple(opt({ type: blockName, name: text, input: text, repeat: int(1), first: fc.dictionary(word, argValue, { maxKeys: 2 }) }, ['type']), fc.dictionary(word, argValue, { maxKeys: 2 }))
  .map(([use, args]) => ({ ...args, ...use }));
const layers = fc.array(fc.oneof({ weight: 5, arbitrary: layer }, { weight: 1, arbitrary: instance }), { maxLength: 6 });
const withWhen = fc.tuple(layerOf(fc.oneof(int(1), paramRef)), fc.option(fc.oneof(fc.boolean(), paramRef), { nil: undefined }))
  .map(([l, when]) => (when === undefined ? l : { ...(l as object), when }));
const blockLayer = fc.oneof({ weight: 3, arbitrary: withWhen }, { weight: 1, arbitrary: instance });
const block = opt({ description: text, params: fc.dictionary(word, fc.oneof(num, fc.constant(null), fc.boolean(), text), { maxKeys: 3 }), layers: fc.array(blockLayer, { minLength: 1, maxLength: 4 }), output: text }, ['layers']);

const warmup = opt({ epochs: int(1), from: num }, ['epochs']);
const optimizer = fc.oneof(
  opt({ type: fc.constant('sgd'), lr: num, momentum: num, weight_decay: num }, ['type', 'lr']),
  opt({ type: fc.constant('momentum'), lr: num, momentum: num, weight_decay: num, nesterov: fc.boolean() }, ['type', 'lr']),
  opt({ type: fc.constant('adam'), lr: num, beta1: num, beta2: num, epsilon: num, weight_decay: num }, ['type', 'lr']),
);
const schedule = fc.oneof(
  opt({ type: fc.constant('constant'), warmup }, ['type']),
  opt({ type: fc.constant('plateau'), metric: text, factor: num, patience: int(0), min_delta: num, cooldown: int(0), max_reductions: int(0), min_lr: num, warmup }, ['type']),
  opt({ type: fc.constant('step'), every: int(1), factor: num, warmup }, ['type', 'every']),
  opt({ type: fc.constant('multistep'), milestones: fc.array(int(1), { minLength: 1, maxLength: 3 }), factor: num, warmup }, ['type', 'milestones']),
  opt({ type: fc.constant('cosine'), min_lr: num, warmup }, ['type']),
);
const train = opt({
  batch: int(1),
  epochs: int(1),
  optimizer,
  schedule,
  metrics: fc.uniqueArray(fc.constantFrom('loss', 'top1_error', 'top5_error', 'accuracy'), { maxLength: 4 }),
  label_smoothing: num,
});
const data = opt({
  dataset: fc.oneof(fc.constantFrom('fashion-mnist', 'cifar10'), opt({ kind: fc.constantFrom('fashion-mnist', 'idx', 'cifar10', 'image-folder'), path: text, classes: int(1) }, ['kind'])),
  validation: fc.oneof(fc.constant('test'), num),
  train_limit: int(1),
  preprocess: opt({
    resize: intOrPair(1),
    center_crop: intOrPair(1),
    scale: num,
    mean: fc.oneof(fc.constantFrom('none', 'per-pixel', 'per-channel'), fc.array(num, { maxLength: 3 })),
    std: fc.array(num, { maxLength: 3 }),
  }),
  augment: opt({ random_crop: intOrPair(1), pad: int(0), flip: fc.boolean(), pca_colour: num }),
  test_crops: fc.constantFrom('center', 'ten'),
});
const defaults = opt({ init, bias, act, lr_mult: mult, decay_mult: mult, round: rounding });

const spec = opt(
  {
    $schema: text,
    netc: fc.constant(1),
    name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/),
    description: text,
    seed: int(0),
    input: opt({ shape: fc.array(int(1), { minLength: 1, maxLength: 3 }), dtype: fc.constant('float32') }, ['shape']),
    towers: int(1),
    placement: fc.constantFrom('towers', 'data'),
    defaults,
    blocks: fc.dictionary(blockName, block, { maxKeys: 2 }),
    layers,
    output: text,
    train,
    data,
    extends: text,
    modify: fc.dictionary(text, fc.dictionary(text, fc.oneof(num, text, fc.constant(null), fc.boolean(), pair(int(1))), { maxKeys: 3 }), { maxKeys: 3 }),
    insert: fc.array(opt({ before: text, after: text, layers }, ['layers']), { maxLength: 3 }),
    remove: fc.array(text, { maxLength: 3 }),
  },
  ['netc', 'name', 'input', 'layers'],
) as fc.Arbitrary<JsonValue>;

const RUNS = 200;

describe('generated specs round-trip', () => {
  test('the generator stays within the schema', () => {
    fc.assert(
      fc.property(spec, (v) => {
        const sink = new DiagnosticSink();
        validateForm({ path: 'gen.yaml', value: v, spans: new Map() }, sink);
        expect(sink.items.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  test('toNetc -> parse gives the same value', () => {
    fc.assert(
      fc.property(spec, (v) => {
        const text = toNetc(v);
        const back = parseNetcText(text);
        expect(back.diagnostics.map((d) => d.message)).toEqual([]);
        expect(sameJson(back.document!.value, v), text).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test('toYaml -> parse gives the same value', () => {
    fc.assert(
      fc.property(spec, (v) => {
        const text = toYaml(v);
        const back = parseYamlText(text);
        expect(back.diagnostics.map((d) => d.message)).toEqual([]);
        expect(sameJson(back.document!.value, v), text).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test('toNetc is canonical: printing the parsed text again changes nothing', () => {
    fc.assert(
      fc.property(spec, (v) => {
        const text = toNetc(v);
        expect(toNetc(parseNetcText(text).document!.value)).toBe(text);
      }),
      { numRuns: 50 },
    );
  });
});

test('numbers JSON cannot hold still round-trip: -0 and the infinities', () => {
  const v: JsonValue = { netc: 1, name: 'n', input: { shape: [1] }, layers: [{ type: 'dropout', p: -0 }, { type: 'lrn', k: Infinity, alpha: -Infinity }] };
  expect(sameJson(parseNetcText(toNetc(v)).document!.value, v)).toBe(true);
  expect(sameJson(parseYamlText(toYaml(v)).document!.value, v)).toBe(true);
});
