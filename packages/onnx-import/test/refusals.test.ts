import { RnnkitError } from '@rnnkit/core';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import type { GraphSpec, NodeSpec } from './onnx_builder.js';
import { buildOnnx, node, weights } from './onnx_builder.js';

/**
 * Forms rnnkit cannot express are refused with UNSUPPORTED (or INVALID_FILE) naming the node,
 * its op and the attribute or input — never imported as a silently different model.
 */

const D = 2;
const H = 3;

/** X [T, N, D] → <op> → Y squeezed → out, with the recurrent node's attributes and extra inputs overridable. */
function recurrent(op: 'RNN' | 'LSTM' | 'GRU', attrs: NodeSpec['attrs'] = {}, extra: Partial<GraphSpec> = {}, inputs?: string[]): GraphSpec {
  const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  return {
    opset: 17,
    inputs: [{ name: 'X', dims: ['T', 'N', D] }],
    outputs: ['out'],
    floats: { W: { dims: [1, G * H, D], data: weights(G * H * D, 1) }, R: { dims: [1, G * H, H], data: weights(G * H * H, 2) }, ...(extra.floats ?? {}) },
    ints: { ax1: { dims: [1], data: [1] }, ...(extra.ints ?? {}) },
    nodes: [
      node(op, inputs ?? ['X', 'W', 'R'], ['Y', 'Y_h'], { hidden_size: H, ...attrs }, 'rec'),
      node('Squeeze', ['Y', 'ax1'], ['out'], undefined, 'squeeze_y'),
      ...(extra.nodes ?? []),
    ],
    ...(extra.outputs ? { outputs: extra.outputs } : {}),
  };
}

function refusal(g: GraphSpec | Uint8Array): RnnkitError {
  try {
    importOnnx(g instanceof Uint8Array ? g : buildOnnx(g));
  } catch (e) {
    expect(e).toBeInstanceOf(RnnkitError);
    return e as RnnkitError;
  }
  throw new Error('expected the import to be refused, but it succeeded');
}

describe('unsupported forms are refused, naming node, op and attribute or input', () => {
  const cases: [string, GraphSpec, RegExp][] = [
    [
      'LSTM peepholes (P)',
      recurrent('LSTM', {}, { floats: { B: { dims: [1, 8 * H], data: weights(8 * H, 3) }, P: { dims: [1, 3 * H], data: weights(3 * H, 4) } } }, [
        'X',
        'W',
        'R',
        'B',
        '',
        '',
        '',
        'P',
      ]),
      /node "rec" \(LSTM\), input P: .*peephole/,
    ],
    ['clip', recurrent('GRU', { clip: { float: 3 } }), /node "rec" \(GRU\), attribute clip/],
    ['input_forget', recurrent('LSTM', { input_forget: 1 }), /node "rec" \(LSTM\), attribute input_forget/],
    ['RNN Sigmoid activation', recurrent('RNN', { activations: ['Sigmoid'] }), /node "rec" \(RNN\), attribute activations: .*Tanh or Relu.*sigmoid/],
    ['LSTM non-default activations', recurrent('LSTM', { activations: ['Sigmoid', 'Relu', 'Tanh'] }), /node "rec" \(LSTM\), attribute activations/],
    ['activation_alpha', recurrent('RNN', { activation_alpha: { floats: [0.5] } }), /attribute activation_alpha/],
    [
      'an attribute the op does not have (a misspelled linear_before_reset)',
      recurrent('GRU', { linear_before_rest: 1 }),
      /node "rec" \(GRU\), attribute linear_before_rest: is not an attribute of GRU/,
    ],
    [
      'an initial cell state with layout 1',
      {
        ...recurrent('LSTM', { layout: 1 }, {}, ['X', 'W', 'R', '', '', '', 'c0']),
        inputs: [
          { name: 'X', dims: ['N', 'T', D] },
          { name: 'c0', dims: ['N', 1, H] },
        ],
      },
      /node "rec" \(LSTM\), input initial_c: is an initial state in layout 1/,
    ],
    [
      'both directions’ final states concatenated as features (torch.cat([h_n[-2], h_n[-1]], 1))',
      {
        ...recurrent(
          'GRU',
          { direction: 'bidirectional' },
          {
            floats: { W: { dims: [2, 3 * H, D], data: weights(6 * H * D, 1) }, R: { dims: [2, 3 * H, H], data: weights(6 * H * H, 2) } },
            ints: { ax1: { dims: [1], data: [1] }, i0: { dims: [], data: [-2] }, i1: { dims: [], data: [-1] } },
            outputs: ['h'],
          },
        ),
        nodes: [
          node('GRU', ['X', 'W', 'R'], ['', 'Y_h'], { hidden_size: H, direction: 'bidirectional' }, 'rec'),
          node('Gather', ['Y_h', 'i0'], ['hf'], { axis: 0 }),
          node('Gather', ['Y_h', 'i1'], ['hb'], { axis: 0 }),
          node('Concat', ['hf', 'hb'], ['h'], { axis: 1 }, 'cat_states'),
        ],
      },
      /node "cat_states" \(Concat\), input: concatenates state, state values on axis 1 \(F\)/,
    ],
    [
      "a reverse layer's final state as a head's input (its state after step 0, not the last step)",
      recurrent(
        'GRU',
        { direction: 'reverse' },
        {
          ints: { ax1: { dims: [1], data: [1] }, ax0: { dims: [1], data: [0] } },
          floats: { Wfc: { dims: [H, 2], data: weights(2 * H, 6) } },
          nodes: [node('Squeeze', ['Y_h', 'ax0'], ['h']), node('MatMul', ['h', 'Wfc'], ['y'], undefined, 'fc')],
          outputs: ['y'],
        },
      ),
      /node "fc" \(MatMul\), .*final hidden state .*forward final hidden state/,
    ],
    [
      'a constant non-zero initial state',
      recurrent('GRU', {}, { floats: { h: { dims: [1, 2, H], data: weights(2 * H, 5) } } }, ['X', 'W', 'R', '', '', 'h']),
      /node "rec" \(GRU\), input initial_h: .*non-zero/,
    ],
    [
      'another op on the data path',
      recurrent(
        'RNN',
        {},
        { floats: { two: { dims: [1], data: [2] } }, nodes: [node('Mul', ['out', 'two'], ['scaled'], undefined, 'scale')], outputs: ['scaled'] },
      ),
      /node "scale" \(Mul\), op Mul/,
    ],
    [
      'an activation between layers',
      recurrent(
        'RNN',
        {},
        {
          floats: { W1: { dims: [H, 2], data: weights(2 * H, 6) }, W2: { dims: [2, 1], data: weights(2, 7) } },
          nodes: [
            node('MatMul', ['out', 'W1'], ['h1'], undefined, 'fc1'),
            node('Relu', ['h1'], ['a1'], undefined, 'act'),
            node('MatMul', ['a1', 'W2'], ['y'], undefined, 'fc2'),
          ],
          outputs: ['y'],
        },
      ),
      /node "act" \(Relu\), output: is read by node "fc2" \(MatMul\)/,
    ],
    [
      'a step other than the last',
      recurrent(
        'RNN',
        {},
        {
          ints: { ax1: { dims: [1], data: [1] }, zero: { dims: [], data: [0] } },
          nodes: [node('Gather', ['out', 'zero'], ['first'], { axis: 0 }, 'first_step')],
          outputs: ['first'],
        },
      ),
      /node "first_step" \(Gather\), indices: .*last step/,
    ],
    [
      'the last padded step with sequence_lens',
      {
        ...recurrent(
          'RNN',
          {},
          {
            ints: { ax1: { dims: [1], data: [1] }, last: { dims: [], data: [-1] } },
            nodes: [node('Gather', ['out', 'last'], ['final'], { axis: 0 }, 'last_step')],
            outputs: ['final'],
          },
          ['X', 'W', 'R', '', 'lens'],
        ),
        inputs: [
          { name: 'X', dims: ['T', 'N', D] },
          { name: 'lens', type: 'int32', dims: ['N'] },
        ],
      },
      /node "last_step" \(Gather\), indices: .*padding/,
    ],
    [
      'an h0 input with more rows than the layers that read it',
      {
        ...recurrent('RNN', {}, { ints: { ax1: { dims: [1], data: [1] }, z: { dims: [1], data: [0] }, o: { dims: [1], data: [1] } } }, [
          'X',
          'W',
          'R',
          '',
          '',
          'h0_row0',
        ]),
        inputs: [
          { name: 'X', dims: ['T', 'N', D] },
          { name: 'h0', dims: [2, 'N', H] },
        ],
        nodes: [node('Slice', ['h0', 'z', 'o', 'z'], ['h0_row0']), ...recurrent('RNN', {}, {}, ['X', 'W', 'R', '', '', 'h0_row0']).nodes],
      },
      /graph\.input "h0": declares 2 rows of initial state, but the recurrent layer it starts has 1/,
    ],
    [
      'an operator of another domain',
      {
        ...recurrent('RNN'),
        nodes: [...recurrent('RNN').nodes.slice(0, 1), { op: 'Squeeze', inputs: ['Y', 'ax1'], outputs: ['out'], name: 'custom', domain: 'com.example' }],
      },
      /node "custom" \(Squeeze\), domain/,
    ],
    [
      'a second model input',
      {
        ...recurrent('RNN'),
        inputs: [
          { name: 'X', dims: ['T', 'N', D] },
          { name: 'X2', dims: ['T', 'N', D] },
        ],
        nodes: [...recurrent('RNN').nodes, node('MatMul', ['X2', 'W'], ['z'])],
      },
      /X2.*second x input/,
    ],
  ];
  it.each(cases)('%s', (_, g, message) => {
    const e = refusal(g);
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(message);
  });

  it('external tensor data', () => {
    const g = recurrent('RNN');
    g.floats = { R: g.floats!.R };
    g.raw = [{ name: 'W', dims: [1n, BigInt(H), BigInt(D)], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] }];
    const e = refusal(g);
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/tensor "W" keeps its data in an external file/);
  });

  it('opsets outside 7..22', () => {
    for (const opset of [6, 23]) {
      const bytes = buildOnnx({ ...recurrent('RNN'), opset });
      const r = refusal(bytes);
      expect(r.code).toBe('UNSUPPORTED');
      expect(r.message).toMatch(new RegExp(`opset_import: expected a default-domain opset in 7\\.\\.22.*got ${opset}`));
    }
  });
});
