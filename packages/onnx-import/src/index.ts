/**
 * `@rnnkit/onnx-import`: recurrent ONNX models (RNN/LSTM/GRU from PyTorch, Keras via tf2onnx,
 * rnnkit and other exporters) → trainable rnnkit models. `importOnnx(bytes)` returns the model
 * and how the graph's inputs and outputs map onto it; `runImported` runs it with ONNX names.
 */
export { importOnnx } from './import.js';
export type { ImportOptions, ImportedOnnx } from './import.js';
export type { ImportedInput, ImportedOutput, BoundAxis } from './bindings.js';
export type { OutputActivation } from './values.js';
export type { InputRole } from './input_roles.js';
export { DEFAULT_IMPORT_LIMITS } from './limits.js';
export type { ImportLimits } from './limits.js';
export { MIN_IMPORT_OPSET, MAX_IMPORT_OPSET } from './graph.js';
export { runImported, toOnnxOutputs, applyActivation } from './run.js';
export type { OnnxFeed, RnnkitResults } from './run.js';
