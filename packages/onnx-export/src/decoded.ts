import { decodeModel as decodeProto } from './proto.js';

/**
 * The public shape of a decoded ONNX model: plain field types, so `@rnnkit/onnx-export`'s
 * declarations never mention the protobuf runtime's own types (its `Long` made strict consumers'
 * type checks fail). Messages are decoded by protobufjs: every scalar and repeated field is
 * present (defaults when absent from the bytes), sub-messages are `null` when absent, and int64
 * fields are an `Int64` (`Number(x)` reads either form).
 */
export type Int64 = number | { low: number; high: number; unsigned: boolean; toNumber(): number; toString(): string };

export interface OnnxTensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: Int64[];
  docString: string;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: OnnxTensor | null;
  g?: OnnxGraph | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  docString: string;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
  docString: string;
}

export interface OnnxDimension {
  dimValue?: Int64 | null;
  dimParam?: string | null;
  denotation?: string | null;
}

export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number | null; shape?: { dim?: OnnxDimension[] | null } | null } | null; denotation?: string | null } | null;
  docString: string;
}

export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
  docString: string;
}

export interface OnnxModel {
  irVersion: Int64;
  opsetImport: { domain?: string | null; version?: Int64 | null }[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: Int64;
  docString: string;
  graph?: OnnxGraph | null;
  metadataProps: { key?: string | null; value?: string | null }[];
}

/** Decodes ONNX model bytes (for inspecting what `exportOnnx` wrote). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return decodeProto(bytes) as unknown as OnnxModel;
}
