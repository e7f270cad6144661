import { irVersionFor } from '@rnnkit/onnx-export';
import type { AttributeProto, Dim, NodeProto, TensorProto } from '@rnnkit/onnx-export/proto';
import { DataType, encodeModel, floatTensor, int64Tensor, intAttr, intsAttr, stringAttr, stringsAttr, valueInfo } from '@rnnkit/onnx-export/proto';

/**
 * Writes small ONNX graphs for tests through onnx-export's protobuf code: a node list with
 * attributes given as plain values, float and int64 initializers, typed inputs and outputs.
 */
export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

export interface GraphSpec {
  opset: number;
  inputs: { name: string; type?: 'float' | 'int64' | 'int32'; dims?: Dim[] }[];
  outputs: string[];
  floats?: Record<string, { dims: number[]; data: Float32Array | number[] }>;
  ints?: Record<string, { dims: number[]; data: number[] }>;
  nodes: NodeSpec[];
  /** Extra initializers written as they are (external data, odd types). */
  raw?: TensorProto[];
  metadata?: Record<string, string>;
}

function attr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return intAttr(name, v);
  if (typeof v === 'string') return stringAttr(name, v);
  if (Array.isArray(v)) return v.length > 0 && typeof v[0] === 'string' ? stringsAttr(name, v as string[]) : intsAttr(name, v as number[]);
  if ('float' in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}

export function node(op: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>, name?: string): NodeSpec {
  return { op, inputs, outputs, ...(attrs ? { attrs } : {}), ...(name ? { name } : {}) };
}

export function buildOnnx(g: GraphSpec): Uint8Array {
  const types = { float: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32 } as const;
  const nodes: NodeProto[] = g.nodes.map((n, i) => ({
    opType: n.op,
    name: n.name ?? `${n.op}_${i}`,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)),
    ...(n.domain ? { domain: n.domain } : {}),
  }));
  const initializer: TensorProto[] = [
    ...Object.entries(g.floats ?? {}).map(([k, t]) => floatTensor(k, t.dims, Float32Array.from(t.data))),
    ...Object.entries(g.ints ?? {}).map(([k, t]) => int64Tensor(k, t.dims, t.data)),
    ...(g.raw ?? []),
  ];
  return encodeModel({
    irVersion: BigInt(irVersionFor(g.opset)),
    opsetImport: [{ domain: '', version: BigInt(g.opset) }],
    producerName: 'onnx-import tests',
    graph: {
      name: 'test',
      node: nodes,
      initializer,
      input: g.inputs.map((i) => valueInfo(i.name, types[i.type ?? 'float'], i.dims)),
      output: g.outputs.map((o) => valueInfo(o, DataType.FLOAT, undefined)),
    },
    ...(g.metadata ? { metadataProps: Object.entries(g.metadata).map(([key, value]) => ({ key, value })) } : {}),
  });
}

/** Seeded weights in (-0.6, 0.6). */
export function weights(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 1.2);
}
