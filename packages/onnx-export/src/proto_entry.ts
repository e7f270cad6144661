/**
 * `@rnnkit/onnx-export/proto`: the ONNX protobuf layer this package owns (message builders,
 * encode/decode), for `@rnnkit/onnx-import` and tools that write ONNX graphs by hand. Its types
 * are onnx-proto's (protobufjs, with `Long` for int64); the main entry's `decodeModel` returns
 * plain typed objects instead.
 */
export type { AttributeProto, DataTypeCode, DecodedModelProto, Dim, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './proto.js';
export {
  DataType,
  decodeModel,
  encodeModel,
  floatTensor,
  int64Tensor,
  intAttr,
  intsAttr,
  readModelProto,
  stringAttr,
  stringsAttr,
  valueInfo,
} from './proto.js';
