import { RnnkitError } from '@rnnkit/core';
import onnxProto from 'onnx-proto';

/**
 * The ONNX protobuf schema, as compiled by protobufjs in the `onnx-proto` package (ONNX 1.10
 * schema, IR version 8 messages). Everything this package writes is encoded by it: this file
 * only builds plain message objects and never touches the wire format.
 */
export const onnx = onnxProto.onnx;

export type TensorProto = import('onnx-proto').onnx.ITensorProto;
export type NodeProto = import('onnx-proto').onnx.INodeProto;
export type AttributeProto = import('onnx-proto').onnx.IAttributeProto;
export type ValueInfoProto = import('onnx-proto').onnx.IValueInfoProto;
export type GraphProto = import('onnx-proto').onnx.IGraphProto;
export type ModelProto = import('onnx-proto').onnx.IModelProto;

export const DataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** A dimension: a fixed extent, or a symbolic name (`batch`, `sequence`) for a dynamic axis. */
export type Dim = number | string;

const utf8 = new TextEncoder();

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
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: float32Bytes(values), ...(docString ? { docString } : {}) };
}

/** An int64 initializer; `dims` [] makes a scalar. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: int64Bytes(values) };
}

export function intAttr(name: string, i: number): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function intsAttr(name: string, ints: readonly number[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...ints] };
}

export function stringAttr(name: string, s: string): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: utf8.encode(s) };
}

export function stringsAttr(name: string, strings: readonly string[]): AttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: strings.map((s) => utf8.encode(s)) };
}

/**
 * A typed graph input or output. `dims` undefined leaves the rank open (no shape recorded);
 * string dims are symbolic, so one exported model runs any batch size and sequence length.
 */
export function valueInfo(name: string, elemType: DataTypeCode, dims: readonly Dim[] | undefined, docString?: string): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
    ...(docString ? { docString } : {}),
  };
}

/** Serializes a model with the protobufjs encoder. */
export function encodeModel(model: ModelProto): Uint8Array {
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`onnx-export: internal error, the model message is invalid: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Parses ONNX bytes back into a message (tests and tools that inspect an export). */
export function decodeModel(bytes: Uint8Array): import('onnx-proto').onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** A decoded model message (what `decodeModel` and `readModelProto` return). */
export type DecodedModelProto = import('onnx-proto').onnx.ModelProto;

/**
 * Decodes ONNX bytes from an untrusted source. Any wire-format fault (truncated message, bad
 * wire type, a length that runs past the end, nesting deep enough to exhaust the stack) is an
 * `RnnkitError` INVALID_FILE naming `argument`, never a protobufjs error. Decoding allocates
 * only what the bytes hold: byte fields are views of `bytes`, and every repeated field is at
 * most one entry per byte, so nothing here grows past the input's size.
 */
export function readModelProto(bytes: Uint8Array, argument = 'bytes'): DecodedModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a Uint8Array (e.g. from readFile), got ${bytes === null ? 'null' : typeof bytes}`, {
      argument,
    });
  }
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RnnkitError(
      'INVALID_FILE',
      `${argument}: expected an ONNX ModelProto, got bytes that do not decode (${why.slice(0, 200)}): the file is truncated, corrupt or not ONNX`,
      { argument, cause: e },
    );
  }
}
