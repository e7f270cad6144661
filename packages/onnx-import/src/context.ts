import { Attributes } from './attributes.js';
import { invalidNode, unsupported } from './errors.js';
import type { GraphNode, IndexedGraph } from './graph.js';
import type { ElementBudget, ImportLimits } from './limits.js';
import type { ModelBuild } from './model_build.js';
import type { ConstTensor } from './tensors.js';
import type { Value } from './values.js';

/** Everything an op handler reads and writes while the graph is walked. */
export class WalkContext {
  readonly values = new Map<string, Value>();
  constructor(
    readonly graph: IndexedGraph,
    readonly build: ModelBuild,
    readonly limits: ImportLimits,
    readonly budget: ElementBudget,
  ) {}

  get opset(): number {
    return this.graph.opset;
  }

  attrs(node: GraphNode): Attributes {
    return new Attributes(node);
  }

  /** The value at input `slot`, or undefined when the input is omitted. */
  input(node: GraphNode, slot: number): Value | undefined {
    const name = node.inputs[slot];
    if (name === undefined || name === '') return undefined;
    const v = this.values.get(name);
    if (!v) throw new Error(`onnx-import: internal error, value "${name}" read before it was computed`);
    return v;
  }

  required(node: GraphNode, slot: number, what: string): Value {
    const v = this.input(node, slot);
    if (!v) invalidNode(node.ref, what, `expected input ${slot} (${what}), got none`);
    return v;
  }

  /** A constant input; anything computed from the data path is UNSUPPORTED here. */
  constInput(node: GraphNode, slot: number, what: string): ConstTensor {
    const v = this.required(node, slot, what);
    if (v.kind !== 'const')
      unsupported(
        node.ref,
        what,
        `expected a constant (an initializer or a value computed from constants), got a value computed from the model's inputs (${v.kind})`,
      );
    return v.t;
  }

  /** Integer values of a constant input (axes, indices, shapes). */
  intsInput(node: GraphNode, slot: number, what: string): number[] {
    const t = this.constInput(node, slot, what);
    if (t.dtype !== 'int') invalidNode(node.ref, what, 'expected an integer tensor, got a float tensor');
    return Array.from(t.data);
  }

  set(node: GraphNode, slot: number, value: Value): void {
    const name = node.outputs[slot];
    if (name !== undefined && name !== '') this.values.set(name, value);
  }

  /** How many nodes read `name`, and how many graph outputs name it. */
  uses(name: string): number {
    return (this.graph.consumers.get(name)?.length ?? 0) + this.graph.outputs.filter((o) => o.name === name).length;
  }
}
