import type { AttributeProto, DataTypeCode, Dim, GraphProto, NodeProto, TensorProto, ValueInfoProto } from './proto.js';
import { floatTensor, int8Tensor, int64Tensor, valueInfo } from './proto.js';

/**
 * Collects an ONNX graph while the exporter walks the layers: nodes in topological order,
 * initializers, inputs and outputs, with unique, readable value names (`l0_lstm_Y`, `l2_linear_out`).
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly int64Consts = new Map<string, string>();

  /** A fresh value name starting with `stem`. */
  name(stem: string): string {
    let n = stem;
    for (let i = 1; this.used.has(n); i++) n = `${stem}_${i}`;
    this.used.add(n);
    return n;
  }

  /** Declares a graph input under exactly `name`. */
  input(name: string, elemType: DataTypeCode, dims: readonly Dim[] | undefined, docString?: string): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims, docString));
    return name;
  }

  /** Declares an existing value as a graph output under its own name. */
  output(name: string, elemType: DataTypeCode, dims: readonly Dim[] | undefined, docString?: string): void {
    this.outputs.push(valueInfo(name, elemType, dims, docString));
  }

  /** Reserves an exact name (graph inputs and outputs keep the names users feed and fetch). */
  claim(name: string): string {
    if (this.used.has(name)) throw new Error(`onnx-export: internal error, value name "${name}" used twice`);
    this.used.add(name);
    return name;
  }

  /** A float32 initializer (weights). */
  weight(stem: string, dims: readonly number[], values: Float32Array, docString?: string): string {
    const name = this.name(stem);
    this.initializers.push(floatTensor(name, dims, values, docString));
    return name;
  }

  /** An int8 or uint8 initializer (quantized weights, zero points). */
  int8Weight(stem: string, dims: readonly number[], values: Int8Array | Uint8Array, docString?: string): string {
    const name = this.name(stem);
    this.initializers.push(int8Tensor(name, dims, values, docString));
    return name;
  }

  /** An int64 constant (shapes, axes, indices), shared between nodes that use the same values. */
  int64(dims: readonly number[], values: readonly number[]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const hit = this.int64Consts.get(key);
    if (hit) return hit;
    const name = this.name(`const_i64_${values.join('_').replace(/-/g, 'm')}`);
    this.initializers.push(int64Tensor(name, dims, values));
    this.int64Consts.set(key, name);
    return name;
  }

  /**
   * Adds a node. Absent optional inputs are `''`; trailing ones are dropped. `outputs` are the
   * exact output names (use `name()` for fresh ones). `domain` names an operator set other than
   * the default one (`com.microsoft` for onnxruntime's contrib ops); the model must import it.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attribute: readonly AttributeProto[] = [],
    docString?: string,
    domain?: string,
  ): void {
    const ins = [...inputs];
    while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
    this.nodes.push({
      opType,
      name: this.name(`${outputs[0]}_${opType}`),
      input: ins,
      output: [...outputs],
      ...(attribute.length ? { attribute: [...attribute] } : {}),
      ...(docString ? { docString } : {}),
      ...(domain ? { domain } : {}),
    });
  }

  /** Adds a single-output node and returns the output's fresh name. */
  op(opType: string, inputs: readonly string[], outStem: string, attribute: readonly AttributeProto[] = [], docString?: string, domain?: string): string {
    const out = this.name(outStem);
    this.node(opType, inputs, [out], attribute, docString, domain);
    return out;
  }

  build(name: string, docString: string): GraphProto {
    return {
      name,
      docString,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}
