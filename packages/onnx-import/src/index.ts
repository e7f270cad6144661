/**
 * `@rnnkit/onnx-import`: recurrent ONNX models (RNN/LSTM/GRU from PyTorch, Keras via tf2onnx,
 * rnnkit and other exporters) → trainable rnnkit models. `importOnnx(bytes)` returns the model
 * and how the graph's inputs and outputs map onto it; `runImported` runs it with ONNX names.
 */

export type { BoundAxis, ImportedInput, ImportedOutput } from './bindings.js';
export { exportOptionsFor } from './export_options.js';
export { MAX_IMPORT_OPSET, MIN_IMPORT_OPSET } from './graph.js';
export type { ImportedOnnx, ImportOptions } from './import.js';
export { importOnnx } from './import.js';
export type { InputRole } from './input_roles.js';
export type { ImportLimits } from './limits.js';
export { DEFAULT_IMPORT_LIMITS } from './limits.js';
export type { OnnxFeed, RnnkitResults } from './run.js';
export { applyActivation, runImported, toOnnxOutputs } from './run.js';
export type { OutputActivation } from './values.js';
