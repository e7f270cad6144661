import { decodeModel, exportOnnx } from '@rnnkit/onnx-export';
import { describe, expect, it } from 'vitest';
import type { OnnxFeed } from '../src/index.js';
import { exportOptionsFor, importOnnx } from '../src/index.js';
import { draws, maxAbsDiff, ORT_TOLERANCE, runOrt } from './helpers.js';
import type { GraphSpec } from './onnx_builder.js';
import { buildOnnx, node, weights } from './onnx_builder.js';

/**
 * `exportOnnx(importOnnx(file))` with `exportOptionsFor(imported)` runs in onnxruntime with the
 * file's outputs, final activation included: hand-built graphs (a recurrent node, a MatMul + Add
 * or Gemm head, a final Softmax or Sigmoid) against their re-exports, both in onnxruntime.
 */

const N = 3;
const T = 5;
const D = 3;
const H = 4;
const C = 3;

/** tf2onnx's form: [N, T, D] → Transpose → GRU → Squeeze → Transpose → MatMul + Add → Softmax (axis −1 at opset 13+); Y_h as a second output. */
function gruSoftmax(opset: number): GraphSpec {
  return {
    opset,
    inputs: [{ name: 'x', dims: ['N', 'T', D] }],
    outputs: ['probs', 'Y_h'],
    floats: {
      W: { dims: [1, 3 * H, D], data: weights(3 * H * D, 1) },
      R: { dims: [1, 3 * H, H], data: weights(3 * H * H, 2) },
      B: { dims: [1, 6 * H], data: weights(6 * H, 3) },
      fc_w: { dims: [H, C], data: weights(H * C, 4).map((v) => v * 4) }, // logits of a few units: softmax far from uniform
      fc_b: { dims: [C], data: weights(C, 5) },
    },
    ints: { ax1: { dims: [1], data: [1] } },
    nodes: [
      node('Transpose', ['x'], ['x_tm'], { perm: [1, 0, 2] }),
      node('GRU', ['x_tm', 'W', 'R', 'B'], ['Y', 'Y_h'], { hidden_size: H, linear_before_reset: 0 }, 'gru'),
      ...(opset >= 13 ? [node('Squeeze', ['Y', 'ax1'], ['Y_tbh'])] : [node('Squeeze', ['Y'], ['Y_tbh'], { axes: [1] })]),
      node('Transpose', ['Y_tbh'], ['seq'], { perm: [1, 0, 2] }),
      node('MatMul', ['seq', 'fc_w'], ['mm']),
      node('Add', ['mm', 'fc_b'], ['logits']),
      node('Softmax', ['logits'], ['probs'], opset >= 13 ? {} : { axis: 2 }),
    ],
  };
}

/** PyTorch's form, time-major, with lengths, h0 and c0 as inputs: LSTM → Y_h → Squeeze → Gemm → Sigmoid. */
const lstmSigmoid: GraphSpec = {
  opset: 17,
  inputs: [
    { name: 'x', dims: ['T', 'N', D] },
    { name: 'seq_lens', type: 'int32', dims: ['N'] },
    { name: 'h0', dims: [1, 'N', H] },
    { name: 'c0', dims: [1, 'N', H] },
  ],
  outputs: ['p'],
  floats: {
    W: { dims: [1, 4 * H, D], data: weights(4 * H * D, 6) },
    R: { dims: [1, 4 * H, H], data: weights(4 * H * H, 7) },
    B: { dims: [1, 8 * H], data: weights(8 * H, 8) },
    fc_w: { dims: [C, H], data: weights(H * C, 9).map((v) => v * 4) },
    fc_b: { dims: [C], data: weights(C, 10) },
  },
  ints: { ax0: { dims: [1], data: [0] } },
  nodes: [
    node('LSTM', ['x', 'W', 'R', 'B', 'seq_lens', 'h0', 'c0'], ['Y', 'Y_h'], { hidden_size: H }, 'lstm'),
    node('Squeeze', ['Y_h', 'ax0'], ['h']),
    node('Gemm', ['h', 'fc_w', 'fc_b'], ['z'], { transB: 1 }),
    node('Sigmoid', ['z'], ['p']),
  ],
};

const x = draws(N * T * D, 11, 1.5);
const lengths = Int32Array.from([5, 2, 4]);
const h0 = draws(N * H, 12, 0.5);
const c0 = draws(N * H, 13, 0.5);

describe('exportOnnx(importOnnx(file), exportOptionsFor(imported)) gives the file’s outputs', () => {
  for (const opset of [11, 17]) {
    it(`GRU + MatMul/Add + Softmax (opset ${opset}): the re-export ends in Softmax and matches the file`, async () => {
      const file = buildOnnx(gruSoftmax(opset));
      const imported = importOnnx(file);
      expect(imported.outputs.map((o) => [o.name, o.role, o.activation])).toEqual([
        ['probs', 'output', 'softmax'],
        ['Y_h', 'hN', undefined],
      ]);
      const options = exportOptionsFor(imported);
      expect(options).toEqual({ outputActivation: 'softmax' });
      const again = await exportOnnx(imported.model, options);
      expect(decodeModel(again).graph!.node.find((n) => n.output.includes('output'))!.opType).toBe('Softmax');
      const feeds: Record<string, OnnxFeed> = { x: { data: x, shape: [N, T, D] } };
      const want = await runOrt(file, feeds);
      const got = await runOrt(again, { input: feeds.x });
      const d = Math.max(maxAbsDiff(got.output, want.probs), maxAbsDiff(got.h_n, want.Y_h));
      console.log(`gru softmax opset ${opset}: max |re-export − file| = ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
      // Without the option the re-export gives logits: the activation is what made them agree.
      const logits = await runOrt(await exportOnnx(imported.model), { input: feeds.x });
      expect(maxAbsDiff(logits.output, want.probs)).toBeGreaterThan(0.1);
    });
  }

  it('LSTM with lengths, h0 and c0 + Gemm + Sigmoid: the re-export takes lengths and the states and matches the file', async () => {
    const file = buildOnnx(lstmSigmoid);
    const imported = importOnnx(file);
    const options = exportOptionsFor(imported);
    expect(options).toEqual({ outputActivation: 'sigmoid', lengths: true, initialState: true });
    const again = await exportOnnx(imported.model, options);
    const want = await runOrt(file, {
      x: { data: x, shape: [T, N, D] },
      seq_lens: { data: lengths, shape: [N] },
      h0: { data: h0, shape: [1, N, H] },
      c0: { data: c0, shape: [1, N, H] },
    });
    const got = await runOrt(again, {
      input: { data: x, shape: [T, N, D] },
      lengths: { data: lengths, shape: [N] },
      h0: { data: h0, shape: [1, N, H] },
      c0: { data: c0, shape: [1, N, H] },
    });
    const d = maxAbsDiff(got.output, want.p);
    console.log(`lstm sigmoid: max |re-export − file| = ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
    expect(got.output.data.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('a model without a final activation gets no outputActivation', () => {
    const g = gruSoftmax(17);
    g.nodes.pop();
    g.outputs = ['logits'];
    expect(exportOptionsFor(importOnnx(buildOnnx(g)))).toEqual({});
  });
});
