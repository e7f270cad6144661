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
/**
 * A decoded `GraphProto`: `node` in topological order, `initializer` (the weights), and the
 * graph's `input` / `output` value infos. Field semantics: see {@link OnnxModel}.
 */
export type OnnxGraph = gen.GraphProto;
/** A decoded `NodeProto`: one operator (`opType`, e.g. `LSTM`) with its `input`/`output` value names and `attribute`s. */
export type OnnxNode = gen.NodeProto;
/**
 * A decoded `AttributeProto`: `type` says which of `f`, `i` (bigint), `s` (UTF-8 bytes), `t`,
 * `g`, `floats`, `ints`, `strings` holds the value.
 */
export type OnnxAttribute = gen.AttributeProto;
/**
 * A decoded `TensorProto` (an initializer): `dims` (bigint), `dataType` (a `DataType` code) and
 * the values, which this package always writes little-endian in `rawData`.
 */
export type OnnxTensor = gen.TensorProto;
/** A decoded `ValueInfoProto`: a graph input or output's `name` and its tensor `type` (element type and shape). */
export type OnnxValueInfo = gen.ValueInfoProto;
/** One decoded dimension of a tensor shape: `value` is `{ case: 'dimValue', value: bigint }` (fixed) or `{ case: 'dimParam', value: string }` (symbolic, e.g. `batch`). */
export type OnnxDimension = gen.TensorShapeProto_Dimension;
/** An int64 field's value: a `bigint` (`Number(x)` reads one that fits in 2^53). */
export type Int64 = bigint;

/** Decodes ONNX model bytes (for inspecting what `exportOnnx` wrote). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return decodeProto(bytes);
}
