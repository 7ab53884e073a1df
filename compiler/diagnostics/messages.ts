/**
 * The one table of diagnostic codes. Bands by phase:
 *   1xxx source and syntax (YAML 10xx, DSL 11xx)   2xxx schema (form)
 *   3xxx semantics: names 30xx, shapes 31xx, hyper-parameters 32xx,
 *        data 33xx, variants/extends 35xx
 *   4xxx plans read back from disk
 *   5xxx files, run directories, checkpoints, data and training (runtime
 *        errors: NetcError, netc-error.ts; files 50xx, run directories 51xx,
 *        checkpoints 52xx, data 53xx, training and devices 54xx, other engines 55xx)
 *   9xxx netc's own bugs
 * Templates use {name} parameters; messages follow rustc's style: lowercase,
 * no final period, names in backticks. Every code is documented in
 * docs/errors/<CODE>.md (a test checks this).
 */
export type Severity = 'error' | 'warning';

export interface MessageDef {
  readonly name: string;
  readonly severity: Severity;
  readonly template: string;
}

export const messages = {
  // 10xx: the YAML frontend and source limits
  NETC1001: { name: 'yaml-syntax', severity: 'error', template: '{detail}' },
  NETC1002: { name: 'source-too-large', severity: 'error', template: 'spec is {size} bytes, more than the limit of {limit}' },
  NETC1003: { name: 'nesting-too-deep', severity: 'error', template: 'nesting is deeper than {limit} levels' },
  NETC1004: { name: 'too-many-aliases', severity: 'error', template: 'too many YAML aliases (limit {limit}): this looks like an alias bomb' },
  NETC1005: { name: 'not-text', severity: 'error', template: 'the file is not UTF-8 text ({detail})' },
  NETC1006: { name: 'tab-indentation', severity: 'error', template: 'tabs cannot indent YAML' },
  NETC1007: { name: 'duplicate-key', severity: 'error', template: 'key `{key}` appears twice in this mapping' },
  NETC1008: { name: 'multiple-documents', severity: 'error', template: 'a spec file holds one YAML document, this one holds {count}' },
  NETC1009: { name: 'empty-spec', severity: 'error', template: 'the spec is empty' },
  NETC1010: { name: 'unreadable-file', severity: 'error', template: 'cannot read `{path}`: {detail}' },
  // 11xx: the .netc DSL (lexer and parser)
  NETC1101: { name: 'dsl-unexpected-character', severity: 'error', template: 'unexpected character `{char}`' },
  NETC1102: { name: 'dsl-syntax', severity: 'error', template: '{detail}' },
  NETC1103: { name: 'dsl-unclosed', severity: 'error', template: 'expected `{close}` to close `{open}` opened at {line}:{column}' },
  NETC1104: { name: 'dsl-duplicate-key', severity: 'error', template: '`{key}` is given twice' },
  // 20xx: the form of the spec (JSON Schema)
  NETC2001: { name: 'unknown-key', severity: 'error', template: 'unknown key `{key}` in {where}' },
  NETC2002: { name: 'wrong-type', severity: 'error', template: '`{key}` must be {expected}, found {found}' },
  NETC2003: { name: 'missing-key', severity: 'error', template: '{where} is missing the required key `{key}`' },
  NETC2004: { name: 'invalid-value', severity: 'error', template: '`{key}` must be one of {allowed}, found {found}' },
  NETC2005: { name: 'unknown-layer-type', severity: 'error', template: 'unknown layer type `{type}`' },
  NETC2006: { name: 'out-of-range', severity: 'error', template: '`{key}` must be {bound}, found {found}' },
  NETC2007: { name: 'bad-initializer', severity: 'error', template: 'cannot read initializer `{text}`: {detail}' },
  NETC2008: { name: 'unsupported-version', severity: 'error', template: 'this netc reads spec version {supported}, the spec says `netc: {found}`' },
  NETC2009: { name: 'invalid-form', severity: 'error', template: '`{key}` {detail}' },
  NETC2010: { name: 'bad-activation', severity: 'error', template: 'cannot read activation `{text}`: {detail}' },
  // 30xx: names
  NETC3001: { name: 'duplicate-layer-name', severity: 'error', template: 'layer name `{name}` is used twice' },
  NETC3002: { name: 'unknown-metric', severity: 'error', template: 'unknown metric `{name}`' },
  NETC3003: { name: 'layer-after-output', severity: 'warning', template: 'layer `{name}` comes after the softmax output `{output}`' },
  NETC3004: { name: 'no-layers', severity: 'error', template: 'the model has no layers' },
  NETC3005: { name: 'unused-default', severity: 'warning', template: 'default `{key}` is never used: no layer has {what}' },
  // 30xx (cont.): the layer graph
  NETC3006: { name: 'unknown-input', severity: 'error', template: '{reader} `{name}`, but no layer has that name' },
  NETC3007: { name: 'input-cycle', severity: 'error', template: 'layers read each other in a cycle: {cycle}' },
  NETC3008: { name: 'input-below', severity: 'error', template: '`{name}` reads `{input}`, which is defined after it' },
  NETC3009: { name: 'dead-branch', severity: 'warning', template: 'the output of `{name}` is never read: it is left out of the plan' },
  NETC3010: { name: 'several-outputs', severity: 'error', template: 'the model has {count} outputs ({names}) and no declared `output`' },
  NETC3011: { name: 'input-count', severity: 'error', template: '{type} layer `{name}` reads {count}, it takes {takes}' },
  NETC3012: { name: 'reserved-layer-name', severity: 'error', template: '`{name}` names the model input: a layer cannot be called so' },
  NETC3013: { name: 'input-and-inputs', severity: 'error', template: 'layer `{name}` sets both `input` and `inputs`' },
  // 31xx: shapes and towers
  NETC3101: { name: 'non-integer-output-size', severity: 'error', template: '{what} output {dim} is not a whole number: ({size} + {pads} - {kernel}) / {stride} + 1 = {value}' },
  NETC3102: { name: 'kernel-larger-than-input', severity: 'error', template: '{kind} {dim} {kernel} is larger than the padded input {dim} {size}' },
  NETC3103: { name: 'not-divisible-by-towers', severity: 'error', template: '{what} ({count}) cannot be split evenly over {towers} towers' },
  NETC3104: { name: 'not-divisible-by-groups', severity: 'error', template: '{what} ({count}) is not divisible by groups = {groups}' },
  NETC3105: { name: 'implicit-flatten', severity: 'warning', template: 'dense layer `{name}` takes a {shape} input: it is flattened implicitly' },
  NETC3106: { name: 'spatial-layer-on-flat-input', severity: 'error', template: '{type} layer `{name}` needs a spatial (HxWxC) input, but its input is flat ({shape})' },
  NETC3107: { name: 'connect-without-towers', severity: 'warning', template: '`connect: {connect}` has no effect: the model has one tower' },
  NETC3108: { name: 'padding-not-smaller-than-kernel', severity: 'warning', template: 'padding {pad} is not smaller than the kernel {dim} {kernel}: some outputs see only padding' },
  NETC3109: { name: 'classes-mismatch', severity: 'error', template: 'the model outputs {units} classes but dataset `{dataset}` has {classes}' },
  NETC3110: { name: 'input-mismatch', severity: 'error', template: 'dataset `{dataset}` gives {given} images but the model input is {expected}' },
  NETC3112: { name: 'add-shape-mismatch', severity: 'error', template: '`{name}` cannot add {inputs}: the shapes differ' },
  NETC3113: { name: 'concat-size-mismatch', severity: 'error', template: '`{name}` cannot concatenate {inputs}: {what} differ' },
  NETC3111: { name: 'no-classifier-output', severity: 'error', template: 'training needs a flat class-score output, the model ends with {shape}' },
  // 32xx: hyper-parameters
  NETC3201: { name: 'negative-std', severity: 'error', template: 'standard deviation must be positive, found {value}' },
  NETC3202: { name: 'dropout-out-of-range', severity: 'error', template: 'dropout `p` must be in [0, 1), found {value}' },
  NETC3203: { name: 'momentum-out-of-range', severity: 'error', template: 'momentum must be in [0, 1), found {value}' },
  NETC3204: { name: 'non-positive', severity: 'error', template: '`{key}` must be greater than 0, found {value}' },
  NETC3205: { name: 'lrn-even-size', severity: 'error', template: 'LRN size n must be odd (the window is centred on the channel), found {value}' },
  NETC3206: { name: 'negative-multiplier', severity: 'error', template: '`{key}` must not be negative, found {value}' },
  NETC3207: { name: 'milestones-not-increasing', severity: 'error', template: 'milestones must increase, {value} follows {previous}' },
  NETC3208: { name: 'warmup-too-long', severity: 'warning', template: 'warmup of {warmup} epochs is not shorter than the run ({epochs} epochs)' },
  NETC3209: { name: 'bad-range', severity: 'error', template: '`{key}`: low {low} must be less than high {high}' },
  NETC3210: { name: 'factor-out-of-range', severity: 'error', template: '`factor` must be in (0, 1) so the learning rate goes down, found {value}' },
  NETC3211: { name: 'beta-out-of-range', severity: 'error', template: '`{key}` must be in [0, 1), found {value}' },
  NETC3212: { name: 'top5-few-classes', severity: 'warning', template: 'top-5 error is always 0 with {classes} classes' },
  NETC3213: { name: 'leaky-slope', severity: 'warning', template: 'leaky_relu slope {value} is not in (0, 1)' },
  // 33xx: data and augmentation
  NETC3301: { name: 'crop-larger-than-image', severity: 'error', template: 'crop {crop} is larger than the image {image}' },
  NETC3303: { name: 'pca-needs-rgb', severity: 'error', template: 'PCA colour augmentation needs 3 channels, the images have {channels}' },
  // 34xx: blocks
  NETC3401: { name: 'unknown-block-argument', severity: 'error', template: 'block `{block}` has no parameter `{name}`' },
  NETC3402: { name: 'unknown-block-parameter', severity: 'error', template: '`${name}` is not a parameter of block `{block}`' },
  NETC3403: { name: 'missing-block-argument', severity: 'error', template: '`{use}` does not give `{name}`, a parameter of block `{block}` without a default' },
  NETC3404: { name: 'block-recursion', severity: 'error', template: 'block `{block}` contains itself: {chain}' },
  NETC3405: { name: 'when-not-boolean', severity: 'error', template: '`when` must be `true` or `false`, found {found}' },
  NETC3406: { name: 'when-removes-merge', severity: 'error', template: '`when` leaves out `{name}`, which reads {count} inputs: only a layer with one input can be left out' },
  NETC3407: { name: 'too-many-layers', severity: 'error', template: 'blocks expand to more than {limit} layers' },
  NETC3408: { name: 'block-named-like-layer-type', severity: 'error', template: 'block `{name}` has the name of a layer type' },
  NETC3409: { name: 'reserved-block-parameter', severity: 'error', template: '`{name}` cannot be a block parameter: instances use it as a key of their own' },
  NETC3410: { name: 'unused-block', severity: 'warning', template: 'block `{name}` is never used' },
  // 35xx: variants (extends)
  NETC3501: { name: 'extends-not-found', severity: 'error', template: 'cannot read base spec `{path}`: {detail}' },
  NETC3502: { name: 'extends-cycle', severity: 'error', template: 'specs extend each other in a cycle: {cycle}' },
  NETC3503: { name: 'override-unknown-layer', severity: 'error', template: 'no layer `{name}` in the base spec' },
  NETC3504: { name: 'extends-too-deep', severity: 'error', template: 'extends chain is deeper than {limit}' },
  NETC3505: { name: 'removed-and-modified', severity: 'error', template: 'layer `{name}` is both removed and modified by this variant' },
  NETC3506: { name: 'variant-needs-name', severity: 'error', template: 'a variant must set its own `name` (the base is `{base}`)' },
  NETC3507: { name: 'remove-merge', severity: 'error', template: 'cannot remove `{name}`: it merges {count} inputs, so `{reader}`, which reads it, would have no one input to read instead' },
  NETC3508: { name: 'insert-before-merge', severity: 'error', template: 'cannot insert before `{name}` alone: it reads {inputs}, so say which edge' },
  NETC3509: { name: 'insert-not-an-edge', severity: 'error', template: '`{to}` does not read `{from}`: there is no edge between them to insert on' },
  NETC3510: { name: 'extends-not-a-spec', severity: 'error', template: '`{path}` is not a netc spec: {reason}' },
  // 40xx: plans read back
  NETC4001: { name: 'not-a-plan', severity: 'error', template: 'not a netc plan: {detail}' },
  NETC4002: { name: 'plan-version', severity: 'error', template: 'plan version {found} is not supported (this netc reads {supported}, and upgrades 1)' },
  NETC4003: { name: 'plan-inconsistent', severity: 'error', template: 'the plan contradicts itself: {detail}' },
  // 50xx: files netc reads or writes (any command)
  NETC5001: { name: 'cannot-write', severity: 'error', template: 'cannot write `{path}`: {reason}' },
  NETC5002: { name: 'not-a-regular-file', severity: 'error', template: '`{path}` is not a regular file: {reason}' },
  NETC5003: { name: 'file-too-large', severity: 'error', template: '`{path}` is {size}, more than the {limit} netc reads as {what}' },
  NETC5004: { name: 'cannot-read', severity: 'error', template: 'cannot read `{path}`: {reason}' },
  // 51xx: run directories
  NETC5101: { name: 'run-dir-in-use', severity: 'error', template: '{detail}' },
  NETC5102: { name: 'run-dir-not-empty', severity: 'error', template: '{detail}' },
  NETC5103: { name: 'not-a-run-dir', severity: 'error', template: '{detail}' },
  NETC5104: { name: 'resume-conflict', severity: 'error', template: '{detail}' },
  // 52xx: checkpoints
  NETC5201: { name: 'bad-checkpoint', severity: 'error', template: '{detail}' },
  NETC5202: { name: 'checkpoint-mismatch', severity: 'error', template: '{detail}' },
  NETC5203: { name: 'checkpoint-not-finite', severity: 'error', template: '{detail}' },
  // 53xx: training data
  NETC5301: { name: 'data-not-found', severity: 'error', template: '{detail}' },
  NETC5302: { name: 'bad-data', severity: 'error', template: '{detail}' },
  NETC5303: { name: 'data-does-not-fit', severity: 'error', template: '{detail}' },
  // 54xx: training, backends and devices
  NETC5401: { name: 'diverged', severity: 'error', template: '{detail}' },
  NETC5402: { name: 'out-of-memory', severity: 'error', template: '{detail}' },
  NETC5403: { name: 'backend-unavailable', severity: 'error', template: '{detail}' },
  NETC5404: { name: 'device-failed', severity: 'error', template: '{detail}' },
  NETC5405: { name: 'bad-run-files', severity: 'error', template: '{detail}' },
  // 55xx: other engines (export, the generated PyTorch trainer)
  NETC5501: { name: 'cannot-export', severity: 'error', template: '{detail}' },
  NETC5502: { name: 'engine-failed', severity: 'error', template: '{detail}' },
  // 90xx: netc's own bugs
  NETC9001: { name: 'internal-error', severity: 'error', template: 'internal compiler error: {detail}' },
} as const satisfies Record<string, MessageDef>;

export type DiagnosticCode = keyof typeof messages;

/** Fills a template's {name} parameters; a missing argument is shown as `{name}` so it is noticed. */
export function formatMessage(code: DiagnosticCode, args: Record<string, string | number>): string {
  return messages[code].template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in args ? String(args[key]) : whole,
  );
}
