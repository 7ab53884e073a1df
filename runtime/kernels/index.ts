// Fast and missing tfjs kernels for training on the wasm backend, plus LRN.
export { registerWasmTrainingKernels, restoreStockWasmKernels, WASM_TRAINING_KERNELS } from './register.js';
export { lrn, type LrnParams } from './lrn.js';
