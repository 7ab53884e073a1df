/** Specs the exporter tests share. */

/**
 * Two towers, the paper's LRN (alpha large enough that dividing it by size would show),
 * ceil-rounded max pooling, grouped convolution and grouped dense layer, tower-major flatten,
 * average pooling, tanh, per-layer lr/decay multipliers. No dropout: the masks differ by design.
 */
export const AGREEMENT_SPEC = `
netc: 1
name: agree
seed: 3
input: { shape: [12, 12, 3] }
towers: 2
defaults: { init: "normal(0, 0.2)", bias: 0.1, round: ceil }
layers:
  - { name: conv1, type: conv, filters: 8, kernel: 3, pad: 1, act: relu, lr_mult: [1, 2], decay_mult: [1, 0] }
  - { name: norm1, type: lrn, size: 3, alpha: 0.05, beta: 0.75, k: 1 }
  - { name: pool1, type: maxpool, window: 3, stride: 2 }
  - { name: conv2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, act: relu }
  - { name: pool2, type: avgpool, window: 2, stride: 2 }
  - { name: flatten, type: flatten }
  - { name: fc1, type: dense, units: 16, connect: tower, act: tanh, lr_mult: 0.5 }
  - { name: fc2, type: dense, units: 6, connect: all, decay_mult: 2 }
  - { name: prob, type: softmax }
train: { batch: 8, epochs: 1, optimizer: { type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.01 } }
`;

/**
 * The graph op kinds, compiled from a spec: a residual block with batch normalization (one with
 * its own momentum), a branch and a pooled path joined tower by tower, global average and max
 * pooling, over two towers.
 */
export const GRAPH_SPEC = `
netc: 1
name: graph-agree
seed: 5
input: { shape: [10, 10, 3] }
towers: 2
defaults: { init: "normal(0, 0.2)", bias: 0.1 }
layers:
  - { name: stem, type: conv, filters: 8, kernel: 3, pad: 1, bias: false }
  - { name: bn0, type: batchnorm, act: relu }
  - { name: c1, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, bias: false }
  - { name: bn1, type: batchnorm, momentum: 0.2 }
  - { name: sum, type: add, inputs: [bn1, bn0], act: relu }
  - { name: branch, type: conv, filters: 4, kernel: 1, connect: tower, act: relu, input: sum }
  - { name: pool, type: maxpool, window: 3, stride: 1, pad: 1, input: sum }
  - { name: cat, type: concat, inputs: [branch, pool] }
  - { name: gap, type: globalavgpool }
  - { name: gmp, type: globalmaxpool, input: cat }
  - { name: both, type: concat, inputs: [gap, gmp] }
  - { name: fc, type: dense, units: 6 }
  - { name: prob, type: softmax }
train: { batch: 8, epochs: 1, optimizer: { type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.01 } }
`;
