/** The model both device test files train: two towers with every kind of tower op (conv all/tower, LRN, pooling, dropout on split and gathered values). */
export const towersSpec = `
netc: 1
name: towers-small
input: { shape: [8, 8, 2] }
towers: 2
defaults: { init: "normal(0, 0.3)", bias: 0.1 }
layers:
  - { name: c1, type: conv, filters: 8, kernel: 3, pad: 1, act: relu }
  - { name: n1, type: lrn, size: 3, alpha: 0.1, beta: 0.75, k: 2 }
  - { name: p1, type: maxpool, window: 2, stride: 2 }
  - { name: c2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, act: relu }
  - { name: d2, type: dropout, p: 0.3 }
  - { name: f, type: flatten }
  - { name: fc1, type: dense, units: 12, connect: all, act: relu }
  - { name: drop, type: dropout, p: 0.5 }
  - { name: fc2, type: dense, units: 6, connect: all }
  - { name: prob, type: softmax }
train:
  batch: 6
  optimizer: { type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005 }
`;
