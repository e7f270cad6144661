import { transposeConst } from './const_math.js';
import type { WalkContext } from './context.js';
import { unsupported } from './errors.js';
import type { GraphNode } from './graph.js';
import type { ConstTensor } from './tensors.js';
import type { Axis, OutputActivation, Value } from './values.js';
import { describeAxes, normAxis } from './values.js';

/**
 * Layers around the recurrent core: embeddings (Gather on a table), linear heads (MatMul [+ Add],
 * Gemm), last-step selection (Gather/Slice of step -1, GatherND at lengths − 1, or the final
 * hidden state of a forward layer), and a final activation.
 */

type Flow = Extract<Value, { kind: 'flow' }>;

function requirePlainFlow(ctx: WalkContext, node: GraphNode, v: Flow, what: string): void {
  if (v.activation)
    unsupported(
      node.ref,
      what,
      `reads the output of a ${v.activation} activation; rnnkit has no activation layer, so an activation is only supported as the model's last operation`,
    );
  if (v.dirPart !== undefined) unsupported(node.ref, what, `reads one direction's half of a bidirectional output; rnnkit layers read both directions`);
  ctx.build.requireTip(v.at, node.ref, what);
}

/** Appends rnnkit's lastStep: each sequence's own last valid step (with lengths) or step T−1. */
export function selectLastStep(ctx: WalkContext, node: GraphNode, v: Flow, axis: number, keepAxis: boolean): Value {
  requirePlainFlow(ctx, node, v, 'input');
  if (ctx.build.lengthsInput !== undefined) {
    unsupported(
      node.ref,
      'indices',
      `takes step T−1 of every sequence, which is padding for sequences shorter than T (the recurrent nodes read sequence_lens "${ctx.build.lengthsInput}"); rnnkit's lastStep takes each sequence's own last step (GatherND at lengths − 1)`,
    );
  }
  const prev = ctx.build.lastLayer();
  if (prev?.spec.type !== 'recurrent')
    unsupported(
      node.ref,
      'input',
      'selects the last step of a value that is not a recurrent layer’s output; rnnkit selects steps right after a recurrent layer',
    );
  const at = ctx.build.append({ spec: { type: 'select', steps: 'last' }, params: new Map(), node: node.ref });
  const axes = keepAxis ? v.axes.map((a, i): Axis => (i === axis ? { label: 'One', size: 1 } : a)) : v.axes.filter((_, i) => i !== axis);
  return { kind: 'flow', axes, at, lastStep: true };
}

/** GatherND(output [B, T, F], lengths − 1 as [B, 1], batch_dims = 1): each sequence's own last step. */
function gatherNd(ctx: WalkContext, node: GraphNode): Value {
  const data = ctx.required(node, 0, 'data');
  const idx = ctx.required(node, 1, 'indices');
  if (data.kind !== 'flow') unsupported(node.ref, 'data', `expected the model's data path, got a ${data.kind}`);
  const b = ctx.build.binding;
  const ok =
    idx.kind === 'lengths' &&
    idx.offset === -1 &&
    idx.axes.length === 2 &&
    idx.axes[1].label === 'One' &&
    ctx.attrs(node).int('batch_dims', 0) === 1 &&
    b !== undefined &&
    data.axes.length === 3 &&
    data.axes[0].label === b.batch &&
    data.axes[1].label === b.time &&
    idx.input === ctx.build.lengthsInput;
  if (!ok)
    unsupported(
      node.ref,
      'indices',
      'expected GatherND(output [batch, time, F], Unsqueeze(lengths − 1) [batch, 1], batch_dims=1), the last valid step of each sequence; got another form',
    );
  requirePlainFlow(ctx, node, data, 'data');
  if (ctx.build.lastLayer()?.spec.type !== 'recurrent')
    unsupported(node.ref, 'data', 'selects the last step of a value that is not a recurrent layer’s output');
  const at = ctx.build.append({ spec: { type: 'select', steps: 'last' }, params: new Map(), node: node.ref });
  return { kind: 'flow', axes: [data.axes[0], data.axes[2]], at, lastStep: true };
}

/**
 * A head reading the final hidden state of a forward recurrent layer ([B, H] from Y_h): the
 * same as that layer's output at each sequence's own last step — for a forward, unidirectional
 * top layer only (a reverse direction's final state is its output at step 0).
 */
function stateAsLastStep(ctx: WalkContext, node: GraphNode, v: Extract<Value, { kind: 'state' }>, what: string): Flow {
  const layer = ctx.build.layers[v.layer];
  const spec = layer.spec;
  const rowsLeft = v.axes.filter((a) => a.label === 'Rows');
  const ok =
    spec.type === 'recurrent' &&
    v.which === 'h' &&
    !spec.bidirectional &&
    spec.direction !== 'reverse' &&
    v.rows[1] - v.rows[0] === 1 &&
    v.rows[0] === spec.numLayers - 1 &&
    v.layer === ctx.build.layers.length - 1 &&
    rowsLeft.every((a) => a.size === 1);
  if (!ok) {
    unsupported(
      node.ref,
      what,
      `reads a final ${v.which === 'h' ? 'hidden' : 'cell'} state (rows ${v.rows[0]}..${v.rows[1] - 1} of rnnkit layer ${v.layer}) as data; rnnkit can only use the top layer's forward final hidden state, which equals lastStep of its output`,
    );
  }
  const at = ctx.build.append({ spec: { type: 'select', steps: 'last' }, params: new Map(), node: node.ref });
  return { kind: 'flow', axes: v.axes.map((a): Axis => (a.label === 'Rows' ? { label: 'One', size: 1 } : a)), at, lastStep: true };
}

/** The data-path operand of a head: a flow, or a top-layer final hidden state. */
function headInput(ctx: WalkContext, node: GraphNode, slot: number, what: string): Flow {
  const v = ctx.required(node, slot, what);
  if (v.kind === 'state') return stateAsLastStep(ctx, node, v, what);
  if (v.kind !== 'flow') unsupported(node.ref, what, `expected the model's data path, got a ${v.kind}`);
  requirePlainFlow(ctx, node, v, what);
  return v;
}

function featureAxis(node: GraphNode, v: Flow, what: string): number {
  const last = v.axes.length - 1;
  if (last < 0 || v.axes[last].label !== 'F') unsupported(node.ref, what, `expected the features as the last axis, got axes ${describeAxes(v.axes)}`);
  return last;
}

/** The bias of a linear head: a constant of O values, broadcast along every other axis. */
function biasOf(node: GraphNode, t: ConstTensor, O: number, what: string): Float32Array {
  if (t.dtype !== 'float' || t.data.length !== O || t.dims.length === 0 || t.dims[t.dims.length - 1] !== O) {
    unsupported(node.ref, what, `expected a float bias of ${O} values along the last axis, got shape [${t.dims.join(', ')}]`);
  }
  return t.data.slice() as Float32Array;
}

function appendLinear(ctx: WalkContext, node: GraphNode, x: Flow, weightOI: Float32Array, O: number, F: number, bias: Float32Array | undefined): Flow {
  const params = new Map<string, Float32Array>([['weight', weightOI]]);
  if (bias) params.set('bias', bias);
  const at = ctx.build.append({ spec: { type: 'linear', inFeatures: F, outFeatures: O, bias: bias !== undefined }, params, node: node.ref });
  const axes = x.axes.map((a, i): Axis => (i === x.axes.length - 1 ? { label: 'F', size: O } : a));
  return { kind: 'flow', axes, at, ...(x.lastStep ? { lastStep: true } : {}) };
}

/** MatMul(x, W [F, O]) and, when its only reader is Add(·, b [O]), that Add as the bias. */
function matmul(ctx: WalkContext, node: GraphNode, absorbed: Set<GraphNode>): Value {
  const x = headInput(ctx, node, 0, 'input[0]');
  const w = ctx.constInput(node, 1, 'input[1] (weight)');
  const fAxis = featureAxis(node, x, 'input[0]');
  const F = x.axes[fAxis].size ?? w.dims[0];
  if (w.dtype !== 'float' || w.dims.length !== 2 || w.dims[0] !== F)
    unsupported(node.ref, 'input[1] (weight)', `expected a float weight [${F}, out], got shape [${w.dims.join(', ')}]`);
  const O = w.dims[1];
  const weightOI = transposeConst(w, [1, 0]).data as Float32Array;
  // A bias Add that only this MatMul feeds.
  let bias: Float32Array | undefined;
  const out = node.outputs[0];
  const readers = ctx.graph.consumers.get(out) ?? [];
  if (readers.length === 1 && ctx.uses(out) === 1 && readers[0].node.op === 'Add') {
    const add = readers[0].node;
    const other = ctx.input(add, 1 - readers[0].slot);
    if (other?.kind === 'const') {
      bias = biasOf(add, other.t, O, `input[${1 - readers[0].slot}] (bias)`);
      absorbed.add(add);
    }
  }
  const flow = appendLinear(ctx, node, x, weightOI, O, F, bias);
  if (bias) ctx.values.set(readers[0].node.outputs[0], flow);
  return flow;
}

/** Gemm(x [B, F], W, C): alpha = beta = 1, transA = 0; W is [O, F] with transB = 1, else [F, O]. */
function gemm(ctx: WalkContext, node: GraphNode): Value {
  const a = ctx.attrs(node);
  for (const [k, want] of [
    ['alpha', 1],
    ['beta', 1],
  ] as const) {
    const v = a.float(k);
    if (v !== undefined && v !== want) unsupported(node.ref, `attribute ${k}`, `expected ${want} (a plain linear layer), got ${v}`);
  }
  if (a.int('transA', 0) !== 0) unsupported(node.ref, 'attribute transA', 'expected 0 (the input is [batch, features])');
  const x = headInput(ctx, node, 0, 'input[0]');
  if (x.axes.length !== 2) unsupported(node.ref, 'input[0]', `expected a [batch, features] input, got axes ${describeAxes(x.axes)}`);
  const fAxis = featureAxis(node, x, 'input[0]');
  const w = ctx.constInput(node, 1, 'input[1] (weight)');
  const transB = a.int('transB', 0) === 1;
  const F = x.axes[fAxis].size ?? w.dims[transB ? 1 : 0];
  if (w.dtype !== 'float' || w.dims.length !== 2 || w.dims[transB ? 1 : 0] !== F)
    unsupported(node.ref, 'input[1] (weight)', `expected a float weight [${transB ? `out, ${F}` : `${F}, out`}], got shape [${w.dims.join(', ')}]`);
  const O = w.dims[transB ? 0 : 1];
  const weightOI = (transB ? w.data.slice() : transposeConst(w, [1, 0]).data) as Float32Array;
  const c = node.inputs[2] ? ctx.constInput(node, 2, 'input[2] (bias)') : undefined;
  return appendLinear(ctx, node, x, weightOI, O, F, c ? biasOf(node, c, O, 'input[2] (bias)') : undefined);
}

/** Gather(table [V, E], ids) at the very start: an embedding. */
function embedding(ctx: WalkContext, node: GraphNode, ids: Extract<Value, { kind: 'ids' }>): Value {
  const table = ctx.constInput(node, 0, 'input[0] (table)');
  if (ctx.attrs(node).int('axis', 0) !== 0) unsupported(node.ref, 'attribute axis', 'expected 0 (rows of the embedding table)');
  if (table.dtype !== 'float' || table.dims.length !== 2)
    unsupported(node.ref, 'input[0] (table)', `expected a float table [vocabulary, dim], got shape [${table.dims.join(', ')}]`);
  if (ctx.build.layers.length !== 0) unsupported(node.ref, 'input[1]', 'looks up token ids after other layers; rnnkit embeddings come first');
  const [V, E] = table.dims;
  const at = ctx.build.append({
    spec: { type: 'embedding', numEmbeddings: V, embeddingDim: E },
    params: new Map([['weight', table.data.slice() as Float32Array]]),
    node: node.ref,
  });
  return { kind: 'flow', axes: [...ids.axes, { label: 'F', size: E }], at };
}

const ACTIVATIONS: Record<string, OutputActivation> = { Softmax: 'softmax', LogSoftmax: 'logSoftmax', Sigmoid: 'sigmoid', Tanh: 'tanh', Relu: 'relu' };

/** A final activation: kept on the flow and applied outside the rnnkit model (see ImportedOutput). */
function activation(ctx: WalkContext, node: GraphNode): Value {
  const v = ctx.required(node, 0, 'input');
  if (v.kind !== 'flow') unsupported(node.ref, 'input', `expected the model's data path, got a ${v.kind}`);
  requirePlainFlow(ctx, node, v, 'input');
  const kind = ACTIVATIONS[node.op];
  if (kind === 'softmax' || kind === 'logSoftmax') {
    const rank = v.axes.length;
    const axisAttr = ctx.attrs(node).int('axis', ctx.opset >= 13 ? -1 : 1);
    const axis = normAxis(axisAttr, rank);
    // Before opset 13 Softmax flattens [axis..] into one row, which equals the last axis only for axis = rank − 1.
    if (axis !== rank - 1 || v.axes[axis].label !== 'F')
      unsupported(node.ref, 'attribute axis', `expected the feature axis (${rank - 1}), got ${axisAttr} on axes ${describeAxes(v.axes)}`);
  }
  const readers = ctx.graph.consumers.get(node.outputs[0]) ?? [];
  if (readers.some((r) => r.node.op !== 'Identity')) {
    unsupported(
      node.ref,
      'output',
      `is read by ${readers[0].node.ref.label}; rnnkit has no ${node.op} layer, so ${node.op} is only supported as the model's last operation (applied outside the model: ImportedOnnx.outputs[…].activation)`,
    );
  }
  return { ...v, activation: kind };
}

/** Handles head ops on the data path; undefined when `node` is none of them. */
export function applyHead(ctx: WalkContext, node: GraphNode, absorbed: Set<GraphNode>): Value | undefined {
  switch (node.op) {
    case 'MatMul':
      return matmul(ctx, node, absorbed);
    case 'Gemm':
      return gemm(ctx, node);
    case 'GatherND':
      return gatherNd(ctx, node);
    case 'Gather': {
      const ids = ctx.input(node, 1);
      if (ids?.kind === 'ids') return embedding(ctx, node, ids);
      return undefined;
    }
    case 'Softmax':
    case 'LogSoftmax':
    case 'Sigmoid':
    case 'Tanh':
    case 'Relu':
      return activation(ctx, node);
    case 'Add': {
      const x = ctx.input(node, 0);
      const y = ctx.input(node, 1);
      if (x?.kind === 'flow' || y?.kind === 'flow') {
        unsupported(
          node.ref,
          'input',
          'adds to the data path outside a MatMul + Add linear layer (a bias whose MatMul has other readers, or a residual connection), which rnnkit cannot express',
        );
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
