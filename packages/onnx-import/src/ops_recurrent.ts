import type { CellKind, RecurrentSpec } from '@rnnkit/core';
import { directionParamNames, gateCount } from '@rnnkit/core';
import { allZero } from './const_math.js';
import type { WalkContext } from './context.js';
import { invalidNode, unsupported } from './errors.js';
import { toTorchGateOrder } from './gates.js';
import type { GraphNode } from './graph.js';
import type { ConstTensor } from './tensors.js';
import type { Axis, Value } from './values.js';
import { describeAxes, isSeqLabel } from './values.js';

/**
 * ONNX RNN / LSTM / GRU nodes → rnnkit recurrent layers. Each node is one stacked layer; a node
 * that continues the previous one (same cell and sizes, reading its output, initial state from
 * the next rows of the same h0/c0 or zeros like it) becomes numLayers + 1 of the same rnnkit
 * layer, as torch.nn.LSTM(num_layers=L) exports.
 */

/** The activations ONNX uses by default, per direction; rnnkit computes exactly these. */
const DEFAULT_ACTIVATIONS: Record<string, string[]> = { LSTM: ['sigmoid', 'tanh', 'tanh'], GRU: ['sigmoid', 'tanh'] };

interface Converted {
  spec: Omit<RecurrentSpec, 'numLayers'>;
  dirs: 1 | 2;
  /** PyTorch-layout parameters of this one stacked layer, by direction. */
  weights: { ih: Float32Array; hh: Float32Array; bih?: Float32Array; bhh?: Float32Array }[];
}

function cellOf(ctx: WalkContext, node: GraphNode, dirs: number): CellKind {
  const a = ctx.attrs(node);
  const acts = a.strings('activations')?.map((s) => s.toLowerCase());
  if ((a.floats('activation_alpha')?.length ?? 0) > 0 || (a.floats('activation_beta')?.length ?? 0) > 0) {
    unsupported(node.ref, 'attribute activation_alpha', 'sets activation parameters; rnnkit computes the default activations only');
  }
  if (node.op === 'RNN') {
    const per = acts ?? ['tanh'];
    const want = per[0];
    if ((per.length !== 1 && per.length !== dirs) || per.some((x) => x !== want) || (want !== 'tanh' && want !== 'relu')) {
      unsupported(node.ref, 'attribute activations', `expected Tanh or Relu, the same for every direction, got [${per.join(', ')}]`);
    }
    return want === 'relu' ? 'rnn_relu' : 'rnn_tanh';
  }
  const def = DEFAULT_ACTIVATIONS[node.op];
  if (acts) {
    const ok = (acts.length === def.length || acts.length === def.length * dirs) && acts.every((x, i) => x === def[i % def.length]);
    if (!ok)
      unsupported(
        node.ref,
        'attribute activations',
        `expected the defaults [${def.join(', ')}] per direction, got [${acts.join(', ')}]; rnnkit computes the default activations only`,
      );
  }
  return node.op === 'LSTM' ? 'lstm' : 'gru';
}

function floatConst(ctx: WalkContext, node: GraphNode, slot: number, what: string, dims: number[]): ConstTensor {
  const t = ctx.constInput(node, slot, what);
  if (t.dtype !== 'float' || t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    invalidNode(node.ref, what, `expected a float tensor of shape [${dims.join(', ')}], got ${t.dtype} [${t.dims.join(', ')}]`);
  }
  return t;
}

/** Reads the node's attributes and weights, refusing anything rnnkit would compute differently. */
function convert(ctx: WalkContext, node: GraphNode, inputSize: number, batchFirst: boolean): Converted {
  const a = ctx.attrs(node);
  const direction = a.string('direction') ?? 'forward';
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional')
    invalidNode(node.ref, 'attribute direction', `expected forward, reverse or bidirectional, got "${direction}"`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (a.float('clip') !== undefined) unsupported(node.ref, 'attribute clip', 'clips the cell input; rnnkit does not');
  if (node.op === 'LSTM' && a.int('input_forget', 0) !== 0)
    unsupported(node.ref, 'attribute input_forget', 'couples the input and forget gates; rnnkit does not');
  const cell = cellOf(ctx, node, dirs);
  const G = gateCount(cell);
  const W = ctx.constInput(node, 1, 'input W');
  if (W.dtype !== 'float' || W.dims.length !== 3 || W.dims[0] !== dirs || W.dims[1] % G !== 0) {
    invalidNode(node.ref, 'input W', `expected float [${dirs}, ${G}*hidden, ${inputSize}], got ${W.dtype} [${W.dims.join(', ')}]`);
  }
  const H = a.int('hidden_size') ?? W.dims[1] / G;
  if (!(H >= 1) || W.dims[1] !== G * H)
    invalidNode(node.ref, 'attribute hidden_size', `expected ${W.dims[1] / G} (W has ${W.dims[1]} rows for ${G} gates), got ${H}`);
  if (W.dims[2] !== inputSize) invalidNode(node.ref, 'input W', `expected ${inputSize} input features (the input's feature axis), got [${W.dims.join(', ')}]`);
  const R = floatConst(ctx, node, 2, 'input R', [dirs, G * H, H]);
  const B = node.inputs[3] ? floatConst(ctx, node, 3, 'input B', [dirs, 2 * G * H]) : undefined;
  if (node.op === 'LSTM' && node.inputs[7]) {
    const P = ctx.input(node, 7);
    if (P?.kind !== 'zeros' && !(P?.kind === 'const' && allZero(P.t))) unsupported(node.ref, 'input P', 'has peephole weights; rnnkit LSTMs have no peepholes');
  }
  let gruResetAfter = true;
  if (node.op === 'GRU') {
    const lbr = a.int('linear_before_reset', 0);
    if (lbr !== 0 && lbr !== 1) invalidNode(node.ref, 'attribute linear_before_reset', `expected 0 or 1, got ${lbr}`);
    gruResetAfter = lbr === 1;
  }
  const weights = Array.from({ length: dirs }, (_, d) => ({
    ih: toTorchGateOrder(cell, H, inputSize, W.data as Float32Array, d * G * H * inputSize),
    hh: toTorchGateOrder(cell, H, H, R.data as Float32Array, d * G * H * H),
    ...(B
      ? {
          bih: toTorchGateOrder(cell, H, 1, B.data as Float32Array, d * 2 * G * H),
          bhh: toTorchGateOrder(cell, H, 1, B.data as Float32Array, d * 2 * G * H + G * H),
        }
      : {}),
  }));
  return {
    // A reverse node is an rnnkit reverse layer (its one direction's weights under the plain
    // names); the field is written only for reverse, as the builders do.
    spec: {
      type: 'recurrent',
      cell,
      inputSize,
      hiddenSize: H,
      bidirectional: dirs === 2,
      ...(direction === 'reverse' ? { direction: 'reverse' as const } : {}),
      dropout: 0,
      batchFirst,
      bias: B !== undefined,
      gruResetAfter,
    },
    dirs,
    weights,
  };
}

type InitState = { kind: 'zeros' } | { kind: 'input'; input: string; rows: [number, number] };

/** initial_h / initial_c: omitted, zeros, or rows of a graph input — anything else is refused. */
function initialState(ctx: WalkContext, node: GraphNode, slot: number, what: string, dirs: number, H: number): InitState {
  const v = ctx.input(node, slot);
  if (!v) return { kind: 'zeros' };
  if (v.kind === 'zeros') {
    const s = v.shape;
    if (s.length !== 3 || (typeof s[0] === 'number' && s[0] !== dirs) || (typeof s[2] === 'number' && s[2] !== H))
      invalidNode(node.ref, what, `expected zeros of shape [${dirs}, batch, ${H}], got [${s.join(', ')}]`);
    return { kind: 'zeros' };
  }
  if (v.kind === 'const') {
    if (v.t.dtype === 'float' && allZero(v.t)) return { kind: 'zeros' };
    unsupported(node.ref, what, 'is a constant non-zero initial state; rnnkit models start from zeros or from h0/c0 given at each call (feed it as an input)');
  }
  if (v.kind === 'initState') {
    const ok =
      v.axes.length === 3 &&
      v.axes[0].label === 'Rows' &&
      v.axes[1].label === 'B' &&
      v.axes[2].label === 'F' &&
      v.rows[1] - v.rows[0] === dirs &&
      (v.axes[2].size ?? H) === H;
    if (!ok) {
      const rows = Number.isNaN(v.rows[1]) ? 'an undeclared number of' : v.rows[1] - v.rows[0];
      unsupported(
        node.ref,
        what,
        `expected ${dirs} rows [directions, batch, ${H}] of a graph input declared as [layers×directions, batch, hidden] with fixed layers×directions and hidden, got axes ${describeAxes(v.axes)} with ${rows} rows`,
      );
    }
    return { kind: 'input', input: v.input, rows: v.rows };
  }
  unsupported(node.ref, what, `expected an initial state from a graph input, zeros or nothing, got a value computed from the model's data (${v.kind})`);
}

/** Can this node continue `prev` as one more stacked layer of the same rnnkit layer? */
function continues(ctx: WalkContext, prevIndex: number, c: Converted, h: InitState, cInit: InitState): boolean {
  const prev = ctx.build.layers[prevIndex];
  if (prev?.spec.type !== 'recurrent' || !prev.recurrent) return false;
  const p = prev.spec;
  const same =
    p.cell === c.spec.cell &&
    p.hiddenSize === c.spec.hiddenSize &&
    p.bidirectional === c.spec.bidirectional &&
    p.direction === c.spec.direction &&
    p.bias === c.spec.bias &&
    p.gruResetAfter === c.spec.gruResetAfter &&
    c.spec.inputSize === p.hiddenSize * c.dirs;
  if (!same) return false;
  // An rnnkit export says how its layers stack; other files stack whatever fits.
  const hint = ctx.build.stackHint?.[ctx.build.layers.slice(0, prevIndex).filter((l) => l.spec.type === 'recurrent').length];
  if (hint !== undefined && p.numLayers >= hint) return false;
  // A previous stacked layer whose own final state is a graph output by itself was a separate rnnkit layer.
  const outs = new Set(ctx.graph.outputs.map((o) => o.name));
  if (prev.recurrent.stateNames.some((s) => outs.has(s.h) || outs.has(s.c))) return false;
  const k = p.numLayers;
  if (prev.recurrent.init === 'zeros') return h.kind === 'zeros' && cInit.kind === 'zeros';
  const rowsOk = (s: InitState, input: string | undefined) =>
    s.kind === 'input' && s.input === input && s.rows[0] === k * c.dirs && s.rows[1] === (k + 1) * c.dirs;
  return rowsOk(h, ctx.build.h0Input) && (p.cell !== 'lstm' || rowsOk(cInit, ctx.build.c0Input));
}

export function applyRecurrent(ctx: WalkContext, node: GraphNode): Value[] {
  const b = ctx.build;
  const x = ctx.required(node, 0, 'input X');
  if (x.kind !== 'flow') unsupported(node.ref, 'input X', `expected the model's data path (a graph input or the output of earlier layers), got a ${x.kind}`);
  if (x.activation) unsupported(node.ref, 'input X', `reads the output of a ${x.activation} activation; rnnkit has no activation layer`);
  if (x.dirPart !== undefined) unsupported(node.ref, 'input X', "reads one direction's half of a bidirectional output");
  b.requireTip(x.at, node.ref, 'input X');
  const layout = ctx.opset >= 14 ? ctx.attrs(node).int('layout', 0) : 0;
  if (layout !== 0 && layout !== 1) invalidNode(node.ref, 'attribute layout', `expected 0 or 1, got ${layout}`);
  if (x.axes.length !== 3 || x.axes[2].label !== 'F' || !isSeqLabel(x.axes[0].label) || !isSeqLabel(x.axes[1].label) || x.axes[0].label === x.axes[1].label) {
    unsupported(
      node.ref,
      'input X',
      `expected ${layout === 0 ? '[time, batch, features]' : '[batch, time, features]'} made from the model input's axes, got axes ${describeAxes(x.axes)}`,
    );
  }
  const [timeL, batchL] = layout === 0 ? [x.axes[0].label, x.axes[1].label] : [x.axes[1].label, x.axes[0].label];
  if (!b.binding) b.binding = { time: timeL as 'S0' | 'S1', batch: batchL as 'S0' | 'S1' };
  else if (b.binding.time !== timeL) unsupported(node.ref, 'input X', 'reads time and batch swapped relative to an earlier recurrent node');
  const batchFirst = b.binding.batch === 'S0';
  // A symbolic feature extent in the file takes its size from W [dirs, G*H, input_size].
  const inputSize = x.axes[2].size ?? ctx.constInput(node, 1, 'input W').dims[2];
  const c = convert(ctx, node, inputSize, batchFirst);
  const H = c.spec.hiddenSize;
  if (layout === 1) {
    for (const [slot, what] of [
      [5, 'input initial_h'],
      [6, 'input initial_c'],
    ] as const) {
      if (slot === 6 && node.op !== 'LSTM') continue;
      const s = ctx.input(node, slot);
      if (s && s.kind !== 'zeros' && !(s.kind === 'const' && s.t.dtype === 'float' && allZero(s.t)))
        unsupported(node.ref, what, 'is an initial state in layout 1 ([batch, directions, hidden]); only zeros are supported with layout 1');
    }
  }
  const h = layout === 1 ? ({ kind: 'zeros' } as InitState) : initialState(ctx, node, 5, 'input initial_h', c.dirs, H);
  const cInit = node.op === 'LSTM' && layout === 0 ? initialState(ctx, node, 6, 'input initial_c', c.dirs, H) : ({ kind: 'zeros' } as InitState);

  // sequence_lens: the lengths graph input, shared by every recurrent node, or nothing.
  const lens = ctx.input(node, 4);
  if (lens) {
    if (lens.kind !== 'lengths' || lens.offset !== 0 || lens.axes.length !== 1)
      unsupported(node.ref, 'input sequence_lens', `expected a graph input of per-sequence lengths [batch], got a ${lens.kind}`);
    if (b.lengthsInput !== undefined && b.lengthsInput !== lens.input)
      unsupported(node.ref, 'input sequence_lens', `reads "${lens.input}" while an earlier node reads "${b.lengthsInput}"; rnnkit takes one lengths input`);
    b.lengthsInput = lens.input;
    b.nodesWithLengths.push(node.ref);
  } else {
    b.nodesWithoutLengths.push(node.ref);
  }
  if (b.nodesWithLengths.length > 0 && b.nodesWithoutLengths.length > 0) {
    const without = b.nodesWithoutLengths[0];
    unsupported(
      without,
      'input sequence_lens',
      `is omitted while ${b.nodesWithLengths[0].label} reads sequence lengths; rnnkit applies lengths to every recurrent layer`,
    );
  }

  const prevIndex = b.layers.length - 1;
  const merge = continues(ctx, prevIndex, c, h, cInit);
  let layerIndex: number;
  let k: number;
  if (merge) {
    layerIndex = prevIndex;
    const prev = b.layers[prevIndex];
    const spec = prev.spec as RecurrentSpec;
    k = spec.numLayers;
    spec.numLayers = k + 1;
    prev.recurrent!.nodes.push(node.ref);
    prev.recurrent!.stateNames.push({ h: node.outputs[1] ?? '', c: node.outputs[2] ?? '' });
    b.bumpVersion();
  } else {
    const usesInput = h.kind === 'input' || cInit.kind === 'input';
    if (usesInput) {
      if (b.firstRecurrentIndex() !== -1)
        unsupported(
          node.ref,
          'input initial_h',
          'feeds an initial state to a recurrent layer after the first; rnnkit takes h0/c0 for the first recurrent layer only',
        );
      const rowsOk = (s: InitState) => s.kind === 'zeros' || (s.rows[0] === 0 && s.rows[1] === c.dirs);
      if (!rowsOk(h) || !rowsOk(cInit) || h.kind !== 'input' || (node.op === 'LSTM' && cInit.kind !== 'input')) {
        unsupported(node.ref, 'input initial_h', 'expected initial_h (and initial_c for LSTM) from the first rows of graph inputs, both given');
      }
      b.h0Input = h.input;
      if (cInit.kind === 'input') b.c0Input = cInit.input;
    }
    layerIndex = b.layers.length;
    k = 0;
    b.append({
      spec: { ...c.spec, numLayers: 1 },
      params: new Map(),
      node: node.ref,
      recurrent: { init: usesInput ? 'input' : 'zeros', nodes: [node.ref], stateNames: [{ h: node.outputs[1] ?? '', c: node.outputs[2] ?? '' }] },
    });
  }
  const layer = b.layers[layerIndex];
  const spec = layer.spec as RecurrentSpec;
  c.weights.forEach((w, d) => {
    const names = directionParamNames(spec, k, d === 1);
    layer.params.set(names.weightIh, w.ih);
    layer.params.set(names.weightHh, w.hh);
    if (names.biasIh && names.biasHh && w.bih && w.bhh) {
      layer.params.set(names.biasIh, w.bih);
      layer.params.set(names.biasHh, w.bhh);
    }
  });

  const at = b.tip();
  const T: Axis = { label: timeL };
  const Bx: Axis = { label: batchL };
  const dir: Axis = { label: 'Dir', size: c.dirs };
  const F: Axis = { label: 'F', size: H };
  const y: Value = { kind: 'flow', axes: layout === 0 ? [T, dir, Bx, F] : [Bx, T, dir, F], at };
  const rows: [number, number] = [k * c.dirs, (k + 1) * c.dirs];
  const stateAxes: Axis[] = layout === 0 ? [{ label: 'Rows', size: c.dirs }, { label: 'B' }, F] : [{ label: 'B' }, { label: 'Rows', size: c.dirs }, F];
  const out: Value[] = [y, { kind: 'state', which: 'h', layer: layerIndex, rows, axes: stateAxes }];
  if (node.op === 'LSTM') out.push({ kind: 'state', which: 'c', layer: layerIndex, rows, axes: stateAxes });
  return out;
}
