/**
 * `@rnnkit/onnx-export/proto`: the ONNX protobuf layer this package owns (message builders,
 * encode/decode), for `@rnnkit/onnx-import` and tools that write ONNX graphs by hand. Messages
 * are Protobuf-ES types generated from the current `onnx.proto`: `ModelProto` and friends are
 * what you write (plain objects, fields optional), `Decoded*` what a decode returns; int64
 * fields are `bigint`.
 */
export type {
  AttributeProto,
  DataTypeCode,
  DecodedAttributeProto,
  DecodedGraphProto,
  DecodedModelProto,
  DecodedNodeProto,
  DecodedTensorProto,
  DecodedValueInfoProto,
  Dim,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  ValueInfoProto,
} from './proto.js';
export {
  DataType,
  decodeModel,
  encodeModel,
  floatTensor,
  int8Tensor,
  int64Tensor,
  intAttr,
  intsAttr,
  readModelProto,
  stringAttr,
  stringsAttr,
  valueInfo,
} from './proto.js';
