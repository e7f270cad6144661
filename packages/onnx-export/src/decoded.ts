import type * as gen from './gen/onnx_pb.js';
import { decodeModel as decodeProto } from './proto.js';

/**
 * The public shape of a decoded ONNX model: the message types generated from `onnx.proto` by
 * Protobuf-ES (plain objects, no classes). Every scalar and repeated field is present (its
 * default when absent from the bytes), sub-messages are `undefined` when absent, int64 fields
 * are `bigint` (`Number(x)` reads one), and a oneof is `{ case, value }`: a value's tensor type
 * is `type.value.case === 'tensorType'`, a dimension is `dim.value.case === 'dimValue' | 'dimParam'`.
 */
export type OnnxModel = gen.ModelProto;
export type OnnxGraph = gen.GraphProto;
export type OnnxNode = gen.NodeProto;
export type OnnxAttribute = gen.AttributeProto;
export type OnnxTensor = gen.TensorProto;
export type OnnxValueInfo = gen.ValueInfoProto;
export type OnnxDimension = gen.TensorShapeProto_Dimension;
/** An int64 field's value. */
export type Int64 = bigint;

/** Decodes ONNX model bytes (for inspecting what `exportOnnx` wrote). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return decodeProto(bytes);
}
