import { RnnkitError } from '@rnnkit/core';
import type {
  DecodedModelProto,
  DecodedNodeProto as NodeProto,
  DecodedTensorProto as TensorProto,
  DecodedValueInfoProto as ValueInfoProto,
} from '@rnnkit/onnx-export/proto';
import type { NodeRef } from './errors.js';
import { clip, invalidFile } from './errors.js';
import { int64ToNumber } from './int64.js';
import type { ImportLimits } from './limits.js';

/** Opsets of the default domain whose RNN/LSTM/GRU and glue ops this importer knows (RNN/LSTM/GRU are defined from 7 on). */
export const MIN_IMPORT_OPSET = 7;
export const MAX_IMPORT_OPSET = 22;

/** One node with a readable reference for error messages. */
export interface GraphNode {
  index: number;
  op: string;
  ref: NodeRef;
  proto: NodeProto;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
}

/** The graph, checked and indexed: every name defined once, every use defined, no cycles. */
export interface IndexedGraph {
  opset: number;
  /** Nodes in an order where every value is produced before it is read. */
  order: GraphNode[];
  initializers: Map<string, TensorProto>;
  /** Graph inputs that are not initializers (what a caller feeds). */
  inputs: Map<string, ValueInfoProto>;
  outputs: ValueInfoProto[];
  /** value name → the nodes that read it, with the input slot. */
  consumers: Map<string, { node: GraphNode; slot: number }[]>;
  metadata: Map<string, string>;
}

function nodeRef(n: NodeProto, index: number): NodeRef {
  const op = clip(typeof n.opType === 'string' ? n.opType : '?', 40);
  const label = n.name ? `node "${clip(n.name)}" (${op})` : `node #${index} (${op})`;
  return { label, path: `graph.node[${index}]` };
}

/** The default-domain opset the model imports; anything outside 7..22 is UNSUPPORTED. */
function defaultOpset(model: DecodedModelProto): number {
  const entries = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  if (entries.length === 0) invalidFile('opset_import', 'expected an opset for the default ONNX domain, got none');
  if (entries.length > 1) invalidFile('opset_import', `expected one opset for the default ONNX domain, got ${entries.length}`);
  const v = int64ToNumber(entries[0].version);
  if (!Number.isSafeInteger(v) || v < MIN_IMPORT_OPSET || v > MAX_IMPORT_OPSET) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `opset_import: expected a default-domain opset in ${MIN_IMPORT_OPSET}..${MAX_IMPORT_OPSET} (where ONNX defines RNN, LSTM and GRU), got ${Number.isFinite(v) ? v : 'none'}`,
      { argument: 'opset_import' },
    );
  }
  return v;
}

export function indexGraph(model: DecodedModelProto, limits: ImportLimits): IndexedGraph {
  const ir = int64ToNumber(model.irVersion ?? 0);
  if (!(ir >= 3)) invalidFile('ir_version', `expected an IR version ≥ 3 (ONNX 1.0, opset 7), got ${ir || 'none'}`);
  const g = model.graph;
  if (!g) invalidFile('graph', 'expected a graph in the model, got none');
  const opset = defaultOpset(model);
  const protos = g.node ?? [];
  if (protos.length > limits.maxNodes) invalidFile('graph.node', `expected at most ${limits.maxNodes} nodes (limits.maxNodes), got ${protos.length}`);
  if ((g.sparseInitializer?.length ?? 0) > 0)
    throw new RnnkitError('UNSUPPORTED', 'graph.sparse_initializer: sparse initializers are not read by this importer', {
      argument: 'graph.sparse_initializer',
    });

  const defined = new Set<string>();
  // The protobuf decoder turns invalid UTF-8 into U+FFFD, so two different corrupt names could read as one.
  const checkName = (name: string, argument: string) => {
    if (name.includes('\uFFFD')) invalidFile(argument, `value name "${clip(name)}" is not valid UTF-8`);
  };
  const define = (name: string, argument: string) => {
    if (typeof name !== 'string' || name === '') invalidFile(argument, 'expected a non-empty value name');
    checkName(name, argument);
    if (defined.has(name)) invalidFile(argument, `value "${clip(name)}" is defined twice (ONNX values are assigned once)`);
    defined.add(name);
  };

  const initializers = new Map<string, TensorProto>();
  (g.initializer ?? []).forEach((t, i) => {
    define(t.name ?? '', `graph.initializer[${i}].name`);
    initializers.set(t.name!, t);
  });
  const inputs = new Map<string, ValueInfoProto>();
  (g.input ?? []).forEach((v, i) => {
    const name = v.name ?? '';
    // Before IR 4 every initializer was also listed as an input; those stay constants.
    if (initializers.has(name)) return;
    define(name, `graph.input[${i}].name`);
    inputs.set(name, v);
  });

  const nodes: GraphNode[] = protos.map((proto, index) => {
    const ref = nodeRef(proto, index);
    if (typeof proto.opType !== 'string' || proto.opType === '') invalidFile(`${ref.path}.op_type`, 'expected an operator name');
    return { index, op: proto.opType, ref, proto, inputs: [...(proto.input ?? [])], outputs: [...(proto.output ?? [])] };
  });
  const producer = new Map<string, GraphNode>();
  for (const n of nodes) {
    n.outputs.forEach((o, k) => {
      if (o === '') return; // an omitted optional output
      define(o, `${n.ref.path}.output[${k}]`);
      producer.set(o, n);
    });
  }
  const consumers = new Map<string, { node: GraphNode; slot: number }[]>();
  for (const n of nodes) {
    n.inputs.forEach((name, slot) => {
      if (name === '') return;
      checkName(name, `${n.ref.path}.input[${slot}]`);
      if (!defined.has(name))
        invalidFile(`${n.ref.path}.input[${slot}]`, `${n.ref.label} reads "${clip(name)}", which no node, initializer or graph input defines`);
      let list = consumers.get(name);
      if (!list) consumers.set(name, (list = []));
      list.push({ node: n, slot });
    });
  }
  const outputs = [...(g.output ?? [])];
  outputs.forEach((o, i) => {
    if (!o.name || !defined.has(o.name))
      invalidFile(`graph.output[${i}]`, `graph output "${clip(o.name ?? '')}" is not defined by any node, initializer or input`);
  });

  // Kahn's algorithm: a node is ready once every value it reads exists.
  const waiting = new Map<GraphNode, number>();
  const ready: GraphNode[] = [];
  for (const n of nodes) {
    const pending = new Set(n.inputs.filter((x) => x !== '' && producer.has(x))).size;
    waiting.set(n, pending);
    if (pending === 0) ready.push(n);
  }
  const order: GraphNode[] = [];
  for (let next = 0; next < ready.length; next++) {
    const n = ready[next];
    order.push(n);
    for (const o of new Set(n.outputs)) {
      if (o === '') continue;
      const seen = new Set<GraphNode>();
      for (const c of consumers.get(o) ?? []) {
        if (seen.has(c.node)) continue;
        seen.add(c.node);
        const left = waiting.get(c.node)! - 1;
        waiting.set(c.node, left);
        if (left === 0) ready.push(c.node);
      }
    }
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.find((n) => waiting.get(n)! > 0)!;
    invalidFile(stuck.ref.path, `${stuck.ref.label} is part of a cycle (it reads values that depend on its own outputs); an ONNX graph must be acyclic`);
  }
  const metadata = new Map<string, string>();
  for (const p of model.metadataProps ?? []) if (typeof p.key === 'string' && typeof p.value === 'string') metadata.set(p.key, p.value);
  return { opset, order, initializers, inputs, outputs, consumers, metadata };
}
