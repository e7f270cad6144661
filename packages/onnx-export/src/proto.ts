import type { MessageInitShape } from '@bufbuild/protobuf';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { RnnkitError } from '@rnnkit/core';
import type * as gen from './gen/onnx_pb.js';
import { AttributeProto_AttributeType, ModelProtoSchema } from './gen/onnx_pb.js';
import { checkWireFormat } from './wire_check.js';

/**
 * The ONNX protobuf layer. The messages are Protobuf-ES (`@bufbuild/protobuf` v2) code generated
 * from the current `onnx.proto` (`schema/onnx.proto`; `pnpm --filter @rnnkit/onnx-export
 * gen:proto` writes `src/gen/onnx_pb.ts`). Everything this package writes is encoded by it:
 * this file builds plain message objects and never touches the wire format. int64 fields are
 * `bigint` (no `Long`).
 */

/** A message as written: a plain object, every field optional, int64 fields `bigint`. */
export type ModelProto = MessageInitShape<typeof ModelProtoSchema>;
/** A `GraphProto` as written (see {@link ModelProto}). */
export type GraphProto = MessageInitShape<typeof gen.GraphProtoSchema>;
/** A `NodeProto` as written (see {@link ModelProto}). */
export type NodeProto = MessageInitShape<typeof gen.NodeProtoSchema>;
/** A `TensorProto` as written (see {@link ModelProto}); {@link floatTensor} and {@link int64Tensor} build one. */
export type TensorProto = MessageInitShape<typeof gen.TensorProtoSchema>;
/** An `AttributeProto` as written (see {@link ModelProto}); {@link intAttr} and its siblings build one. */
export type AttributeProto = MessageInitShape<typeof gen.AttributeProtoSchema>;
/** A `ValueInfoProto` as written (see {@link ModelProto}); {@link valueInfo} builds one. */
export type ValueInfoProto = MessageInitShape<typeof gen.ValueInfoProtoSchema>;

/**
 * A message as decoded (what `decodeModel` and `readModelProto` return): every scalar and
 * repeated field is present (its default when absent from the bytes), sub-messages are
 * `undefined` when absent, int64 fields are `bigint`, and a oneof is `{ case, value }`
 * (`type.value.case === 'tensorType'`, `dim.value.case === 'dimValue'`).
 */
export type DecodedModelProto = gen.ModelProto;
/** A `GraphProto` as decoded (see {@link DecodedModelProto}). */
export type DecodedGraphProto = gen.GraphProto;
/** A `NodeProto` as decoded (see {@link DecodedModelProto}). */
export type DecodedNodeProto = gen.NodeProto;
/** A `TensorProto` as decoded (see {@link DecodedModelProto}). */
export type DecodedTensorProto = gen.TensorProto;
/** An `AttributeProto` as decoded (see {@link DecodedModelProto}). */
export type DecodedAttributeProto = gen.AttributeProto;
/** A `ValueInfoProto` as decoded (see {@link DecodedModelProto}). */
export type DecodedValueInfoProto = gen.ValueInfoProto;

/** TensorProto.DataType codes this package writes (the values of `onnx.proto`'s `DataType` enum). */
export const DataType = {
  /** float32: weights, `input`, `output` and state tensors. */
  FLOAT: 1,
  /** int32: the optional `lengths` input (ONNX sequence_lens). */
  INT32: 6,
  /** uint8: the weights and their zero points (128) in a `{ quantized: 'int8' }` export. */
  UINT8: 2,
  /** int8: signed quantized weights. */
  INT8: 3,
  /** int64: token ids fed to an embedding, and index and shape constants (Gather, GatherND, Cast targets). */
  INT64: 7,
} as const;
/** One of the {@link DataType} codes: an initializer's `dataType` or a value's `elemType`. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A dimension: a fixed extent, or a symbolic name (`batch`, `sequence`) for a dynamic axis. */
export type Dim = number | string;

const utf8 = new TextEncoder();
const int64s = (values: readonly number[]): bigint[] => values.map((v) => BigInt(v));

/** Little-endian bytes of float32 values (ONNX raw_data is always little-endian). */
function float32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return out;
}

/** A float32 initializer of the given shape. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array, docString?: string): TensorProto {
  return { name, dims: int64s(dims), dataType: DataType.FLOAT, rawData: float32Bytes(values), ...(docString ? { docString } : {}) };
}

/** An int8 or uint8 initializer (quantized weights, zero points), raw bytes as stored. */
export function int8Tensor(name: string, dims: readonly number[], values: Int8Array | Uint8Array, docString?: string): TensorProto {
  const rawData = new Uint8Array(values.buffer, values.byteOffset, values.length).slice();
  const dataType = values instanceof Int8Array ? DataType.INT8 : DataType.UINT8;
  return { name, dims: int64s(dims), dataType, rawData, ...(docString ? { docString } : {}) };
}

/** An int64 initializer; `dims` [] makes a scalar. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: int64s(dims), dataType: DataType.INT64, rawData: int64Bytes(values) };
}

/** An INT attribute `name` = `i`, stored as int64. Throws a RangeError when `i` is not an integer. */
export function intAttr(name: string, i: number): AttributeProto {
  return { name, type: AttributeProto_AttributeType.INT, i: BigInt(i) };
}

/** An INTS attribute `name` = the list `ints`, each stored as int64. Throws a RangeError on a non-integer entry. */
export function intsAttr(name: string, ints: readonly number[]): AttributeProto {
  return { name, type: AttributeProto_AttributeType.INTS, ints: int64s(ints) };
}

/** A STRING attribute `name` = `s`, stored as UTF-8 bytes (e.g. `direction` = `bidirectional`). */
export function stringAttr(name: string, s: string): AttributeProto {
  return { name, type: AttributeProto_AttributeType.STRING, s: utf8.encode(s) };
}

/** A STRINGS attribute: `name` = the list `strings`, each stored as UTF-8 bytes (e.g. an LSTM's `activations`). */
export function stringsAttr(name: string, strings: readonly string[]): AttributeProto {
  return { name, type: AttributeProto_AttributeType.STRINGS, strings: strings.map((s) => utf8.encode(s)) };
}

/**
 * A typed graph input or output. `dims` undefined leaves the rank open (no shape recorded);
 * string dims are symbolic, so one exported model runs any batch size and sequence length.
 */
export function valueInfo(name: string, elemType: DataTypeCode, dims: readonly Dim[] | undefined, docString?: string): ValueInfoProto {
  const dim = dims?.map((d) => ({ value: typeof d === 'number' ? { case: 'dimValue' as const, value: BigInt(d) } : { case: 'dimParam' as const, value: d } }));
  return {
    name,
    type: { value: { case: 'tensorType', value: { elemType, ...(dim ? { shape: { dim } } : {}) } } },
    ...(docString ? { docString } : {}),
  };
}

/** Serializes a model (fields in field-number order, as every protobuf encoder writes them). */
export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, model));
}

/** Parses ONNX bytes back into a message (tests and tools that inspect an export). */
export function decodeModel(bytes: Uint8Array): DecodedModelProto {
  return fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false });
}

/**
 * Decodes ONNX bytes from an untrusted source. Any wire-format fault (truncated message, a
 * known field with the wire type of another type (`wire_check.ts`), a length that runs past the
 * end of the input or of its enclosing message, nesting deeper than the decoder's recursion limit
 * of 100, or deep enough to exhaust the stack) is an `RnnkitError` INVALID_FILE naming
 * `argument`, never a protobuf error. Decoding allocates only what the bytes hold: every length
 * is checked against the end of the input before it is read, byte fields are views of `bytes`,
 * every repeated field is at most one entry per byte, and unknown fields are skipped, not kept,
 * so nothing here grows past the input's size.
 */
export function readModelProto(bytes: Uint8Array, argument = 'bytes'): DecodedModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a Uint8Array (e.g. from readFile), got ${bytes === null ? 'null' : typeof bytes}`, {
      argument,
    });
  }
  try {
    // Protobuf-ES trusts each tag's wire type and lets a sub-message run past its parent: a
    // strict pass first, so a corrupt file is refused instead of decoded as another model.
    checkWireFormat(bytes, ModelProtoSchema);
    return decodeModel(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RnnkitError(
      'INVALID_FILE',
      `${argument}: expected an ONNX ModelProto, got bytes that do not decode (${why.slice(0, 200)}): the file is truncated, corrupt or not ONNX`,
      { argument, cause: e },
    );
  }
}
