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
