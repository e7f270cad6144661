/**
 * `@rnnkit/onnx-export`: rnnkit models → ONNX with native RNN/LSTM/GRU operators.
 * `exportOnnx(model)` returns the bytes; the `rnnkit-onnx` CLI writes a .onnx file.
 */
export { exportOnnx, exportOnnxFromState, ONNX_NAMES, METADATA_KEYS, BATCH_DIM, SEQUENCE_DIM } from './export.js';
export type { ExportOptions } from './options.js';
export { DEFAULT_OPSET, MIN_OPSET, MAX_OPSET, irVersionFor } from './options.js';
export type { StateDict } from './supported.js';
export { ONNX_GATE_SOURCE } from './ops/gates.js';
export { decodeModel, readModelProto, encodeModel, floatTensor, int64Tensor, intAttr, intsAttr, stringAttr, stringsAttr, valueInfo, DataType } from './proto.js';
export type { Dim, DataTypeCode, DecodedModelProto, TensorProto, NodeProto, AttributeProto, ValueInfoProto, GraphProto, ModelProto } from './proto.js';
export { VERSION } from './version.js';
