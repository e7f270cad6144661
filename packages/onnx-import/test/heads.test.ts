import { createCpuBackend } from '@rnnkit/backend-cpu';
import { RnnkitError } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import type { OnnxFeed } from '../src/index.js';
import { importOnnx, runImported } from '../src/index.js';
import { draws, maxDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';
import type { GraphSpec, NodeSpec } from './onnx_builder.js';
import { buildOnnx, node, weights } from './onnx_builder.js';

/**
 * Heads and last-step forms after a batch-first GRU ([N, T, 3] → Transpose → GRU → Squeeze →
 * Transpose → [N, T, 4]): each must import as the right rnnkit layers and match onnxruntime.
 */

const D = 3;
const H = 4;
const C = 2;

function graph(head: NodeSpec[], out: string, extra: Partial<GraphSpec> = {}): GraphSpec {
  return {
    opset: 17,
    inputs: [{ name: 'x', dims: ['N', 'T', D] }],
    outputs: [out],
    floats: {
      W: { dims: [1, 3 * H, D], data: weights(3 * H * D, 1) },
      R: { dims: [1, 3 * H, H], data: weights(3 * H * H, 2) },
      B: { dims: [1, 6 * H], data: weights(6 * H, 3) },
      fc_w_io: { dims: [H, C], data: weights(H * C, 4) },
      fc_w_oi: { dims: [C, H], data: weights(H * C, 4) },
      fc_b: { dims: [C], data: weights(C, 5) },
      fc_b_row: { dims: [1, C], data: weights(C, 5) },
      ...(extra.floats ?? {}),
    },
    ints: {
      ax1: { dims: [1], data: [1] },
      ax0: { dims: [1], data: [0] },
      minus1: { dims: [], data: [-1] },
      minus1_1d: { dims: [1], data: [-1] },
      big: { dims: [1], data: [2 ** 62] },
      ...(extra.ints ?? {}),
    },
    nodes: [
      node('Transpose', ['x'], ['x_tm'], { perm: [1, 0, 2] }),
      node('GRU', ['x_tm', 'W', 'R', 'B'], ['Y', 'Y_h'], { hidden_size: H, linear_before_reset: 1 }, 'gru'),
      node('Squeeze', ['Y', 'ax1'], ['Y_tbh']),
      node('Transpose', ['Y_tbh'], ['seq'], { perm: [1, 0, 2] }),
      ...head,
    ],
  };
}

const feeds: Record<string, OnnxFeed> = { x: { data: draws(2 * 5 * D, 9), shape: [2, 5, D] } };

const CASES: [string, GraphSpec, string[]][] = [
  [
    'Gemm transB=0 with a [1, C] bias on the last step',
    graph([node('Gather', ['seq', 'minus1'], ['last'], { axis: 1 }), node('Gemm', ['last', 'fc_w_io', 'fc_b_row'], ['y'])], 'y'),
    ['recurrent', 'select', 'linear'],
  ],
  [
    'Gemm transB=1 without a bias on Y_h',
    graph([node('Squeeze', ['Y_h', 'ax0'], ['h']), node('Gemm', ['h', 'fc_w_oi'], ['y'], { transB: 1 })], 'y'),
    ['recurrent', 'select', 'linear'],
  ],
  ['MatMul without Add (no bias) per step', graph([node('MatMul', ['seq', 'fc_w_io'], ['y'])], 'y'), ['recurrent', 'linear']],
  ['Add with the bias first', graph([node('MatMul', ['seq', 'fc_w_io'], ['mm']), node('Add', ['fc_b', 'mm'], ['y'])], 'y'), ['recurrent', 'linear']],
  [
    'Slice of the last step then Squeeze',
    graph(
      [node('Slice', ['seq', 'minus1_1d', 'big', 'ax1'], ['last3']), node('Squeeze', ['last3', 'ax1'], ['last']), node('MatMul', ['last', 'fc_w_io'], ['y'])],
      'y',
    ),
    ['recurrent', 'select', 'linear'],
  ],
  [
    'a 1-D Gather index keeps the step axis in the output',
    graph([node('Gather', ['seq', 'minus1_1d'], ['last'], { axis: 1 }), node('MatMul', ['last', 'fc_w_io'], ['y'])], 'y'),
    ['recurrent', 'select', 'linear'],
  ],
  [
    'final Sigmoid',
    graph([node('MatMul', ['seq', 'fc_w_io'], ['mm']), node('Add', ['mm', 'fc_b'], ['z']), node('Sigmoid', ['z'], ['y'])], 'y'),
    ['recurrent', 'linear'],
  ],
  [
    'final Tanh',
    graph(
      [node('Gather', ['seq', 'minus1'], ['last'], { axis: 1 }), node('Gemm', ['last', 'fc_w_oi', 'fc_b'], ['z'], { transB: 1 }), node('Tanh', ['z'], ['y'])],
      'y',
    ),
    ['recurrent', 'select', 'linear'],
  ],
  ['final Relu', graph([node('MatMul', ['seq', 'fc_w_io'], ['z']), node('Relu', ['z'], ['y'])], 'y'), ['recurrent', 'linear']],
  [
    'final Softmax at opset 11 on [N, C]',
    {
      ...graph(
        [node('Gather', ['seq', 'minus1'], ['last'], { axis: 1 }), node('Gemm', ['last', 'fc_w_io', 'fc_b'], ['z']), node('Softmax', ['z'], ['y'])],
        'y',
      ),
      opset: 11,
      nodes: [
        node('Transpose', ['x'], ['x_tm'], { perm: [1, 0, 2] }),
        node('GRU', ['x_tm', 'W', 'R', 'B'], ['Y', 'Y_h'], { hidden_size: H, linear_before_reset: 1 }),
        node('Squeeze', ['Y'], ['Y_tbh'], { axes: [1] }),
        node('Transpose', ['Y_tbh'], ['seq'], { perm: [1, 0, 2] }),
        node('Gather', ['seq', 'minus1'], ['last'], { axis: 1 }),
        node('Gemm', ['last', 'fc_w_io', 'fc_b'], ['z']),
        node('Softmax', ['z'], ['y']),
      ],
    },
    ['recurrent', 'select', 'linear'],
  ],
  [
    'Identity and Cast to float on the way',
    graph([node('Identity', ['seq'], ['s1']), node('Cast', ['s1'], ['s2'], { to: 1 }), node('MatMul', ['s2', 'fc_w_io'], ['y'])], 'y'),
    ['recurrent', 'linear'],
  ],
  [
    'Dropout at inference passes through',
    graph([node('Dropout', ['seq'], ['dropped']), node('MatMul', ['dropped', 'fc_w_io'], ['y'])], 'y'),
    ['recurrent', 'linear'],
  ],
  ['the sequence and Y_h both as outputs', { ...graph([node('MatMul', ['seq', 'fc_w_io'], ['y'])], 'y'), outputs: ['y', 'Y_h'] }, ['recurrent', 'linear']],
];

/** A bidirectional GRU whose two directions are picked from Y ([T, 2, N, H]) one by one and concatenated back. */
function bidirectionalPicked(pick: 'Gather' | 'Slice'): GraphSpec {
  const g = graph([], 'y');
  g.floats!.W = { dims: [2, 3 * H, D], data: weights(6 * H * D, 1) };
  g.floats!.R = { dims: [2, 3 * H, H], data: weights(6 * H * H, 2) };
  g.floats!.B = { dims: [2, 6 * H], data: weights(12 * H, 3) };
  g.floats!.fc2 = { dims: [2 * H, C], data: weights(2 * H * C, 6) };
  g.ints!.zero = { dims: [], data: [0] };
  g.ints!.one = { dims: [], data: [1] };
  g.ints!.s0 = { dims: [1], data: [0] };
  g.ints!.s1 = { dims: [1], data: [1] };
  g.ints!.s2 = { dims: [1], data: [2] };
  const halves =
    pick === 'Gather'
      ? [node('Gather', ['Y', 'zero'], ['fw'], { axis: 1 }), node('Gather', ['Y', 'one'], ['bw'], { axis: 1 })]
      : [
          node('Slice', ['Y', 's0', 's1', 's1'], ['fw4']),
          node('Slice', ['Y', 's1', 's2', 's1'], ['bw4']),
          node('Squeeze', ['fw4', 's1'], ['fw']),
          node('Squeeze', ['bw4', 's1'], ['bw']),
        ];
  g.nodes = [
    g.nodes[0],
    node('GRU', ['x_tm', 'W', 'R', 'B'], ['Y'], { hidden_size: H, direction: 'bidirectional', linear_before_reset: 1 }),
    ...halves,
    node('Concat', ['fw', 'bw'], ['both'], { axis: -1 }),
    node('Transpose', ['both'], ['seq2'], { perm: [1, 0, 2] }),
    node('MatMul', ['seq2', 'fc2'], ['y']),
  ];
  return g;
}
CASES.push(
  ['directions picked with Gather and concatenated', bidirectionalPicked('Gather'), ['recurrent', 'linear']],
  ['directions picked with Slice + Squeeze and concatenated', bidirectionalPicked('Slice'), ['recurrent', 'linear']],
);

describe('heads and last-step forms', async () => {
  const backend = await createCpuBackend();
  it.each(CASES)('%s', async (_, g, layers) => {
    const bytes = buildOnnx(g);
    const imported = importOnnx(bytes);
    expect(imported.spec.layers.map((l) => l.type)).toEqual(layers);
    const d = maxDiffAll(await runImported(imported, imported.model.to(backend), feeds), await runOrt(bytes, feeds));
    expect(d).toBeLessThanOrEqual(ORT_TOLERANCE);
  });

  it('a symbolic feature extent on the input takes its size from the weights', async () => {
    const g = { ...CASES[0][1], inputs: [{ name: 'x', dims: ['N', 'T', 'D'] }] };
    const bytes = buildOnnx(g);
    const imported = importOnnx(bytes);
    expect(imported.spec.layers[0]).toMatchObject({ type: 'recurrent', inputSize: D });
    expect(maxDiffAll(await runImported(imported, imported.model.to(backend), feeds), await runOrt(bytes, feeds))).toBeLessThanOrEqual(ORT_TOLERANCE);
  });

  it('Shape with start/end (opset 15) builds the zero state from the batch extent', async () => {
    const g = graph([node('MatMul', ['seq', 'fc_w_io'], ['y'])], 'y', {
      ints: { ax1: { dims: [1], data: [1] }, one: { dims: [1], data: [1] }, hidden: { dims: [1], data: [H] } },
    });
    g.floats!.zero = { dims: [], data: [0] };
    g.nodes.splice(
      1,
      1,
      node('Shape', ['x'], ['batch_1d'], { start: 0, end: -2 }),
      node('Concat', ['one', 'batch_1d', 'hidden'], ['h_shape'], { axis: 0 }),
      node('Expand', ['zero', 'h_shape'], ['h_zero']),
      node('GRU', ['x_tm', 'W', 'R', 'B', '', 'h_zero'], ['Y', 'Y_h'], { hidden_size: H, linear_before_reset: 1 }, 'gru'),
    );
    const bytes = buildOnnx(g);
    const imported = importOnnx(bytes);
    expect(maxDiffAll(await runImported(imported, imported.model.to(backend), feeds), await runOrt(bytes, feeds))).toBeLessThanOrEqual(ORT_TOLERANCE);
  });

  it('a final activation is reported, not built into the model', () => {
    const imported = importOnnx(buildOnnx(CASES[6][1]));
    expect(imported.outputs).toEqual([{ name: 'y', role: 'output', axes: ['batch', 'time', 'feature'], activation: 'sigmoid' }]);
  });

  it('Softmax on another axis than the features is refused', () => {
    const g = graph([node('MatMul', ['seq', 'fc_w_io'], ['z']), node('Softmax', ['z'], ['y'], { axis: 1 }, 'softmax_time')], 'y');
    expect(() => importOnnx(buildOnnx(g))).toThrow(/node "softmax_time" \(Softmax\), attribute axis: expected the feature axis \(2\), got 1/);
  });

  it('a bidirectional layer’s final state as data is refused (it is not the last step’s output)', () => {
    const g = graph([], 'y');
    g.floats!.W = { dims: [2, 3 * H, D], data: weights(6 * H * D, 1) };
    g.floats!.R = { dims: [2, 3 * H, H], data: weights(6 * H * H, 2) };
    g.floats!.B = { dims: [2, 6 * H], data: weights(12 * H, 3) };
    g.nodes = [
      g.nodes[0],
      node('GRU', ['x_tm', 'W', 'R', 'B'], ['', 'Y_h'], { hidden_size: H, direction: 'bidirectional' }, 'bigru'),
      node('Gather', ['Y_h', 'minus1'], ['h']),
      node('MatMul', ['h', 'fc_w_io'], ['y'], undefined, 'head'),
    ];
    let e: unknown;
    try {
      importOnnx(buildOnnx(g));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(RnnkitError);
    expect((e as RnnkitError).message).toMatch(/node "head" \(MatMul\), input\[0\]: reads a final hidden state/);
  });
});
