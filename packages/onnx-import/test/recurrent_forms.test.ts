import { createCpuBackend } from '@rnnkit/backend-cpu';
import { describe, expect, it } from 'vitest';
import type { OnnxFeed } from '../src/index.js';
import { importOnnx, runImported } from '../src/index.js';
import { draws, maxDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';
import type { GraphSpec, NodeSpec } from './onnx_builder.js';
import { buildOnnx, node, weights } from './onnx_builder.js';

/**
 * ONNX RNN / LSTM / GRU at opsets 7 to 22 in the forms the spec allows: forward, reverse and
 * bidirectional, layout 0 and 1, sequence_lens, initial_h/initial_c as inputs, zero
 * initializers or omitted, RNN Tanh/Relu, GRU linear_before_reset 0 and 1, with and without B.
 * Each imported model must compute what onnxruntime computes on the same file (layout 1, which
 * onnxruntime refuses, against the same weights in layout 0).
 */

const D = 3;
const H = 4;
const T = 5;
const B = 3;

type Cell = 'RNN_tanh' | 'RNN_relu' | 'LSTM' | 'GRU_lbr0' | 'GRU_lbr1';
const CELLS: Cell[] = ['RNN_tanh', 'RNN_relu', 'LSTM', 'GRU_lbr0', 'GRU_lbr1'];
const OPSETS = [7, 9, 11, 13, 14, 17, 18, 21, 22];

interface Form {
  cell: Cell;
  dirs: 1 | 2;
  /** direction="reverse" (dirs 1). */
  reverse?: boolean;
  opset: number;
  lengths: boolean;
  init: 'input' | 'zeros' | 'omitted';
  bias: boolean;
  layout: 0 | 1;
}

function gates(cell: Cell): number {
  return cell === 'LSTM' ? 4 : cell.startsWith('GRU') ? 3 : 1;
}

/** Axes as Squeeze/Unsqueeze take them at this opset: an attribute before 13, an input after. */
function squeeze(opset: number, input: string, output: string, axes: number[], consts: GraphSpec['ints']): NodeSpec {
  if (opset < 13) return node('Squeeze', [input], [output], { axes });
  const name = `axes_${axes.join('_')}`;
  consts![name] = { dims: [axes.length], data: axes };
  return node('Squeeze', [input, name], [output]);
}

function graphFor(f: Form): GraphSpec {
  const G = gates(f.cell);
  const op = f.cell.split('_')[0];
  const ints: NonNullable<GraphSpec['ints']> = {};
  const floats: NonNullable<GraphSpec['floats']> = {
    W: { dims: [f.dirs, G * H, D], data: weights(f.dirs * G * H * D, 1) },
    R: { dims: [f.dirs, G * H, H], data: weights(f.dirs * G * H * H, 2) },
  };
  if (f.bias) floats.B = { dims: [f.dirs, 2 * G * H], data: weights(f.dirs * 2 * G * H, 3) };
  const inputs: GraphSpec['inputs'] = [{ name: 'X', dims: f.layout === 0 ? ['T', 'N', D] : ['N', 'T', D] }];
  if (f.lengths) inputs.push({ name: 'seq_lens', type: 'int32', dims: ['N'] });
  let initH = '';
  let initC = '';
  if (f.init === 'input') {
    inputs.push({ name: 'h0', dims: [f.dirs, 'N', H] });
    initH = 'h0';
    if (op === 'LSTM') {
      inputs.push({ name: 'c0', dims: [f.dirs, 'N', H] });
      initC = 'c0';
    }
  } else if (f.init === 'zeros') {
    // A zero initializer for a fixed batch, as exporters write for static shapes.
    floats.h_zero = { dims: [f.dirs, B, H], data: new Float32Array(f.dirs * B * H) };
    initH = 'h_zero';
    if (op === 'LSTM') initC = 'h_zero';
  }
  const attrs: NonNullable<NodeSpec['attrs']> = { hidden_size: H };
  if (f.dirs === 2) attrs.direction = 'bidirectional';
  if (f.reverse) attrs.direction = 'reverse';
  if (f.cell === 'RNN_relu') attrs.activations = Array<string>(f.dirs).fill('Relu');
  if (f.cell === 'GRU_lbr1') attrs.linear_before_reset = 1;
  if (f.layout === 1) attrs.layout = 1;
  const recInputs = ['X', 'W', 'R', f.bias ? 'B' : '', f.lengths ? 'seq_lens' : '', initH, ...(op === 'LSTM' ? [initC] : [])];
  const outs = ['Y', 'Y_h', ...(op === 'LSTM' ? ['Y_c'] : [])];
  const nodes: NodeSpec[] = [node(op, recInputs, outs, attrs, `the_${op}`)];
  // Y [T, dirs, N, H] (layout 1: [N, T, dirs, H]) → [T, N, dirs*H] / [N, T, dirs*H].
  if (f.dirs === 1) nodes.push(squeeze(f.opset, 'Y', 'out', [f.layout === 0 ? 1 : 2], ints));
  else if (f.layout === 0) {
    ints.shape3 = { dims: [3], data: [0, 0, -1] };
    nodes.push(node('Transpose', ['Y'], ['Y_t'], { perm: [0, 2, 1, 3] }), node('Reshape', ['Y_t', 'shape3'], ['out']));
  } else {
    ints.shape3 = { dims: [3], data: [0, 0, -1] };
    nodes.push(node('Reshape', ['Y', 'shape3'], ['out']));
  }
  const outputs = ['out', ...(f.layout === 0 ? outs.slice(1) : [])];
  return { opset: f.opset, inputs, outputs, floats, ints, nodes };
}

function feedsFor(f: Form): Record<string, OnnxFeed> {
  const feeds: Record<string, OnnxFeed> = { X: { data: draws(T * B * D, 21), shape: f.layout === 0 ? [T, B, D] : [B, T, D] } };
  if (f.lengths) feeds.seq_lens = { data: Int32Array.of(T, 2, 4), shape: [B] };
  if (f.init === 'input') {
    feeds.h0 = { data: draws(f.dirs * B * H, 22, 0.5), shape: [f.dirs, B, H] };
    if (f.cell === 'LSTM') feeds.c0 = { data: draws(f.dirs * B * H, 23, 0.5), shape: [f.dirs, B, H] };
  }
  return feeds;
}

/** A spread of forms: every cell × direction × opset, with the other options varied along the way. */
function forms(): Form[] {
  const out: Form[] = [];
  let k = 0;
  for (const cell of CELLS) {
    for (const dirs of [1, 2] as const) {
      for (const opset of OPSETS) {
        k++;
        const init = (['input', 'zeros', 'omitted'] as const)[k % 3];
        out.push({ cell, dirs, opset, lengths: k % 2 === 0, init, bias: k % 5 !== 0, layout: 0 });
      }
    }
  }
  // direction="reverse": every cell at a spread of opsets, the other options varied.
  for (const cell of CELLS) {
    for (const opset of [7, 11, 14, 22]) {
      k++;
      const init = (['input', 'zeros', 'omitted'] as const)[k % 3];
      out.push({ cell, dirs: 1, reverse: true, opset, lengths: k % 2 === 0, init, bias: k % 5 !== 0, layout: 0 });
    }
  }
  // Layout 1 (opset 14+): zero initial states only.
  for (const cell of CELLS)
    for (const dirs of [1, 2] as const)
      out.push({ cell, dirs, opset: 14 + ((out.length + dirs) % 9), lengths: dirs === 2, init: 'omitted', bias: true, layout: 1 });
  for (const cell of CELLS) out.push({ cell, dirs: 1, reverse: true, opset: 17, lengths: true, init: 'omitted', bias: true, layout: 1 });
  return out;
}

describe('recurrent node forms against onnxruntime', async () => {
  const backend = await createCpuBackend();
  it.each(
    forms().map(
      (f) =>
        [
          `${f.cell} dirs=${f.dirs}${f.reverse ? ' reverse' : ''} opset ${f.opset} layout ${f.layout}${f.lengths ? ' lengths' : ''} init=${f.init}${f.bias ? '' : ' no-B'}`,
          f,
        ] as const,
    ),
  )('%s', async (_, f) => {
    const bytes = buildOnnx(graphFor(f));
    const imported = importOnnx(bytes);
    const rec = imported.spec.layers[0];
    expect(rec.type).toBe('recurrent');
    if (rec.type === 'recurrent') expect(rec.direction).toBe(f.reverse ? 'reverse' : undefined);
    const feeds = feedsFor(f);
    const ours = await runImported(imported, imported.model.to(backend), feeds);
    let theirs: Awaited<ReturnType<typeof runOrt>>;
    if (f.layout === 0) theirs = await runOrt(bytes, feeds);
    else {
      // onnxruntime runs only layout 0: the same weights in layout 0, inputs and outputs transposed.
      const twin = buildOnnx({
        ...graphFor({ ...f, layout: 0, opset: f.opset }),
        outputs: ['out_bf'],
        nodes: [...graphFor({ ...f, layout: 0 }).nodes, node('Transpose', ['out'], ['out_bf'], { perm: [1, 0, 2] })],
      });
      const x = feeds.X;
      const tm = new Float32Array(x.data.length);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) tm[(t * B + b) * D + d] = (x.data as Float32Array)[(b * T + t) * D + d];
      const r = await runOrt(twin, { ...feeds, X: { data: tm, shape: [T, B, D] } });
      theirs = { out: r.out_bf };
    }
    const d = maxDiffAll(ours, theirs);
    expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
  });
});

/**
 * Two chained LSTM nodes over X [T, N, D] with sequence_lens: two reverse nodes are one rnnkit
 * reverse layer of two stacked layers; a forward node then a reverse one are two rnnkit layers
 * (a layer's stack has one direction).
 */
describe('stacked reverse nodes against onnxruntime', async () => {
  const backend = await createCpuBackend();
  const G = 4;
  const stack = (first: 'forward' | 'reverse'): GraphSpec => ({
    opset: 17,
    inputs: [
      { name: 'X', dims: ['T', 'N', D] },
      { name: 'seq_lens', type: 'int32', dims: ['N'] },
    ],
    outputs: ['out', 'Y_h2'],
    floats: {
      W1: { dims: [1, G * H, D], data: weights(G * H * D, 31) },
      R1: { dims: [1, G * H, H], data: weights(G * H * H, 32) },
      B1: { dims: [1, 2 * G * H], data: weights(2 * G * H, 33) },
      W2: { dims: [1, G * H, H], data: weights(G * H * H, 34) },
      R2: { dims: [1, G * H, H], data: weights(G * H * H, 35) },
      B2: { dims: [1, 2 * G * H], data: weights(2 * G * H, 36) },
    },
    ints: { ax1: { dims: [1], data: [1] } },
    nodes: [
      node('LSTM', ['X', 'W1', 'R1', 'B1', 'seq_lens'], ['Y1'], { hidden_size: H, direction: first }, 'lstm1'),
      node('Squeeze', ['Y1', 'ax1'], ['h1']),
      node('LSTM', ['h1', 'W2', 'R2', 'B2', 'seq_lens'], ['Y2', 'Y_h2'], { hidden_size: H, direction: 'reverse' }, 'lstm2'),
      node('Squeeze', ['Y2', 'ax1'], ['out']),
    ],
  });
  const feeds: Record<string, OnnxFeed> = {
    X: { data: draws(T * B * D, 41), shape: [T, B, D] },
    seq_lens: { data: Int32Array.of(3, T, 1), shape: [B] },
  };
  it.each([
    ['reverse, reverse: one reverse layer of 2', 'reverse', [2]],
    ['forward, reverse: two layers', 'forward', [1, 1]],
  ] as const)('%s', async (_, first, numLayers) => {
    const bytes = buildOnnx(stack(first));
    const imported = importOnnx(bytes);
    const recs = imported.spec.layers.filter((l) => l.type === 'recurrent');
    expect(recs.map((l) => (l.type === 'recurrent' ? l.numLayers : 0))).toEqual([...numLayers]);
    expect(recs.map((l) => (l.type === 'recurrent' ? (l.direction ?? 'forward') : ''))).toEqual(first === 'reverse' ? ['reverse'] : ['forward', 'reverse']);
    const ours = await runImported(imported, imported.model.to(backend), feeds);
    const d = maxDiffAll(ours, await runOrt(bytes, feeds));
    expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
  });
});
