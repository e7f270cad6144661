import type { RecurrentSpec } from '@rnnkit/core';
import { directionParamNames, gateCount, numDirections } from '@rnnkit/core';
import type { AttributeProto } from '../proto.js';
import { intAttr, intsAttr, stringAttr, stringsAttr } from '../proto.js';
import type { ExportContext, Flow } from './flow.js';
import { withLayout } from './flow.js';
import { reorderGates } from './gates.js';

/** ONNX operator for each rnnkit cell. */
const OP_TYPE = { rnn_tanh: 'RNN', rnn_relu: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;

export interface RecurrentInputs {
  /** Initial states of the whole layer stack, [numLayers*dirs, B, H] (rnnkit's layout). */
  h0?: string;
  c0?: string;
}

export interface RecurrentOutputs {
  /** Per-step output, time-major [T, B, dirs*H]; zeros past each sequence's length. */
  output: Flow;
  /** Final states [numLayers*dirs, B, H] under the names the caller asked for. */
  hN: string;
  cN?: string;
}

/**
 * Emits one rnnkit recurrent layer (forward, reverse or bidirectional: ONNX's `direction`) as one
 * native ONNX RNN/LSTM/GRU op per stacked layer
 * (no unrolling): op k reads op k−1's output, gets slice [k*dirs, (k+1)*dirs) of h0/c0 as its
 * initial_h/initial_c ([dirs, B, H], exactly ONNX's layout) and the shared `lengths` as
 * sequence_lens. ONNX's Y [T, dirs, B, H] becomes [T, B, dirs*H] (forward half first, as in
 * PyTorch); Y_h/Y_c of all ops are concatenated into rnnkit's [numLayers*dirs, B, H].
 *
 * Weights convert at this edge: W [dirs, G*H, D] and R [dirs, G*H, H] stack the directions
 * with gates reordered (see gates.ts); B [dirs, 2*G*H] is [W_b, R_b] = [bias_ih, bias_hh],
 * omitted (ONNX's zeros) when the layer has no bias.
 */
export function emitRecurrent(
  ctx: ExportContext,
  spec: RecurrentSpec,
  layerIndex: number,
  /** The layer's own parameters by unprefixed PyTorch name (`weight_ih_l0`). */
  param: (name: string) => Float32Array,
  input: Flow,
  init: RecurrentInputs,
  names: { hN: string; cN?: string },
): RecurrentOutputs {
  const { g } = ctx;
  const H = spec.hiddenSize;
  const G = gateCount(spec.cell);
  const dirs = numDirections(spec);
  const L = spec.numLayers;
  const lstm = spec.cell === 'lstm';
  const tag = `l${layerIndex}_${spec.cell}`;
  let x = withLayout(g, input, true, `l${layerIndex}_in`).name;
  const hParts: string[] = [];
  const cParts: string[] = [];

  for (let k = 0; k < L; k++) {
    const D = k === 0 ? spec.inputSize : dirs * H;
    const W = new Float32Array(dirs * G * H * D);
    const R = new Float32Array(dirs * G * H * H);
    const B = spec.bias ? new Float32Array(dirs * 2 * G * H) : undefined;
    const sources: string[] = [];
    for (let d = 0; d < dirs; d++) {
      const n = directionParamNames(spec, k, d === 1);
      reorderGates(spec.cell, H, D, param(n.weightIh), W, d * G * H * D);
      reorderGates(spec.cell, H, H, param(n.weightHh), R, d * G * H * H);
      if (B && n.biasIh && n.biasHh) {
        reorderGates(spec.cell, H, 1, param(n.biasIh), B, d * 2 * G * H);
        reorderGates(spec.cell, H, 1, param(n.biasHh), B, d * 2 * G * H + G * H);
      }
      sources.push(...Object.values(n).map((p) => `${layerIndex}.${p}`));
    }
    const from = `from ${sources.join(', ')}`;
    const w = g.weight(`${tag}_k${k}_W`, [dirs, G * H, D], W, `W (ONNX gate order), ${from}`);
    const r = g.weight(`${tag}_k${k}_R`, [dirs, G * H, H], R, 'R (ONNX gate order)');
    const b = B ? g.weight(`${tag}_k${k}_B`, [dirs, 2 * G * H], B, 'B = [Wb, Rb] = [bias_ih, bias_hh]') : '';
    const stateSlice = (s: string | undefined, which: string) => {
      if (!s) return '';
      if (L === 1) return s;
      return g.op('Slice', [s, g.int64([1], [k * dirs]), g.int64([1], [(k + 1) * dirs]), g.int64([1], [0])], `${tag}_k${k}_${which}`);
    };
    // A reverse-only layer is ONNX's direction="reverse": its plain-named weights (weight_ih_l0…)
    // are the one direction's W/R/B, and each op of a stack reads its input reversed.
    const direction = dirs === 2 ? 'bidirectional' : spec.direction === 'reverse' ? 'reverse' : 'forward';
    const attrs: AttributeProto[] = [intAttr('hidden_size', H), stringAttr('direction', direction)];
    if (spec.cell === 'rnn_tanh' || spec.cell === 'rnn_relu') {
      attrs.push(stringsAttr('activations', new Array<string>(dirs).fill(spec.cell === 'rnn_relu' ? 'Relu' : 'Tanh')));
    }
    if (spec.cell === 'gru') attrs.push(intAttr('linear_before_reset', spec.gruResetAfter ? 1 : 0));

    const y = g.name(`${tag}_k${k}_Y`);
    const yh = L === 1 ? names.hN : g.name(`${tag}_k${k}_Y_h`);
    const yc = lstm ? (L === 1 ? names.cN! : g.name(`${tag}_k${k}_Y_c`)) : undefined;
    const inputs = [x, w, r, b, ctx.lengths ?? '', stateSlice(init.h0, 'h0'), ...(lstm ? [stateSlice(init.c0, 'c0')] : [])];
    g.node(
      OP_TYPE[spec.cell],
      inputs,
      [y, yh, ...(yc ? [yc] : [])],
      attrs,
      `rnnkit layers[${layerIndex}] (${spec.cell}${spec.cell === 'gru' ? `, resetAfter=${spec.gruResetAfter}` : ''}), stacked layer ${k + 1} of ${L}`,
    );
    hParts.push(yh);
    if (yc) cParts.push(yc);

    // Y [T, dirs, B, H] → [T, B, dirs*H].
    x =
      dirs === 1
        ? g.op('Squeeze', [y, g.int64([1], [1])], `${tag}_k${k}_out`)
        : g.op(
            'Reshape',
            [g.op('Transpose', [y], `${tag}_k${k}_Y_tbdh`, [intsAttr('perm', [0, 2, 1, 3])]), g.int64([3], [0, 0, dirs * H])],
            `${tag}_k${k}_out`,
          );
  }
  if (L > 1) {
    g.node('Concat', hParts, [names.hN], [intAttr('axis', 0)]);
    if (lstm) g.node('Concat', cParts, [names.cN!], [intAttr('axis', 0)]);
  }
  return { output: { name: x, kind: 'seq', timeMajor: true, features: dirs * H }, hN: names.hN, ...(lstm ? { cN: names.cN! } : {}) };
}
