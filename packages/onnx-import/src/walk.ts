import { RnnkitError } from '@rnnkit/core';
import type { WalkContext } from './context.js';
import { clip, unsupported } from './errors.js';
import type { GraphNode } from './graph.js';
import { KNOWN_ATTRIBUTES } from './known_attributes.js';
import { foldConstants } from './ops_const.js';
import { applyHead } from './ops_heads.js';
import { applyLayout } from './ops_layout.js';
import { applyRecurrent } from './ops_recurrent.js';
import { readTensor } from './tensors.js';
import type { Value } from './values.js';

const RECURRENT = new Set(['RNN', 'LSTM', 'GRU']);

/** Dropout at inference (training_mode absent or false) passes its input through. */
function dropout(ctx: WalkContext, node: GraphNode): Value {
  const mode = ctx.input(node, 2);
  if (mode && !(mode.kind === 'const' && mode.t.data.every((x) => x === 0)))
    unsupported(node.ref, 'input training_mode', 'expected inference mode (absent or false)');
  if (node.outputs[1] && ctx.uses(node.outputs[1]) > 0) unsupported(node.ref, 'output mask', 'is read; rnnkit models have no dropout mask output');
  return ctx.required(node, 0, 'input data');
}

/** Computes every node's value in topological order, growing the rnnkit model on the way. */
export function walkGraph(ctx: WalkContext, inputs: Map<string, Value>): void {
  for (const [name, t] of ctx.graph.initializers) {
    ctx.values.set(name, { kind: 'const', t: readTensor(t, ctx.limits, ctx.budget, `graph.initializer "${clip(name)}"`) });
  }
  for (const [name, v] of inputs) ctx.values.set(name, v);
  const absorbed = new Set<GraphNode>();
  for (const node of ctx.graph.order) {
    if (absorbed.has(node)) continue;
    const domain = node.proto.domain ?? '';
    if (domain !== '' && domain !== 'ai.onnx')
      unsupported(node.ref, 'domain', `is an operator of domain "${clip(domain)}"; rnnkit reads default-domain ONNX operators only`);
    const known = KNOWN_ATTRIBUTES[node.op];
    if (known) {
      for (const a of node.proto.attribute ?? []) {
        const name = typeof a.name === 'string' ? a.name : '';
        if (!known.includes(name))
          unsupported(
            node.ref,
            `attribute ${clip(name, 40)}`,
            `is not an attribute of ${node.op} that this importer knows (${known.join(', ') || 'none'}); it could change what the node computes`,
          );
      }
    }
    let result: Value | Value[] | undefined;
    if (RECURRENT.has(node.op)) result = applyRecurrent(ctx, node);
    else if (node.op === 'Dropout') result = dropout(ctx, node);
    else result = foldConstants(ctx, node) ?? applyHead(ctx, node, absorbed) ?? applyLayout(ctx, node);
    if (result === undefined) {
      const kinds = node.inputs.map((_, i) => ctx.input(node, i)?.kind ?? 'none');
      throw new RnnkitError(
        'UNSUPPORTED',
        `${node.ref.label}, op ${clip(node.op, 40)}: is not an operation rnnkit can express here (inputs: ${kinds.join(', ')}); supported on the data path: RNN, LSTM, GRU, Gather, MatMul, Add, Gemm, Transpose, Squeeze, Unsqueeze, Reshape, Slice, Concat, Split, Identity, Cast, GatherND and a final Softmax/LogSoftmax/Sigmoid/Tanh/Relu`,
        { argument: `${node.ref.path}.op_type` },
      );
    }
    if (Array.isArray(result)) for (const [i, v] of result.entries()) ctx.set(node, i, v);
    else ctx.set(node, 0, result);
    // Outputs a handler did not give a value (optional outputs nobody reads) must not be read.
    node.outputs.forEach((o, i) => {
      if (o !== '' && !ctx.values.has(o) && ctx.uses(o) > 0) unsupported(node.ref, `output[${i}]`, 'is read, but rnnkit has no counterpart for it');
    });
  }
}
