/**
 * `@rnnkit/onnx-export`: rnnkit models → ONNX with native RNN/LSTM/GRU operators.
 * `exportOnnx(model)` returns the bytes; the `rnnkit-onnx` CLI writes a .onnx file.
 */

export type { Int64, OnnxAttribute, OnnxDimension, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './decoded.js';
export { decodeModel } from './decoded.js';
export { BATCH_DIM, exportOnnx, exportOnnxFromState, METADATA_KEYS, ONNX_NAMES, SEQUENCE_DIM } from './export.js';
export { ONNX_GATE_SOURCE } from './ops/gates.js';
export type { ExportOptions, OutputActivation, QuantizedForm } from './options.js';
export { DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET, OUTPUT_ACTIVATIONS, QUANTIZED_FORMS } from './options.js';
export type { StateDict } from './supported.js';
export { VERSION } from './version.js';
