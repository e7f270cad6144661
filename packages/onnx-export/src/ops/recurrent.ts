import type { QuantizedMatrix, RecurrentSpec } from '@rnnkit/core';
import { directionParamNames, gateCount, numDirections } from '@rnnkit/core';
import type { AttributeProto } from '../proto.js';
import { intAttr, intsAttr, stringAttr, stringsAttr } from '../proto.js';
import type { ExportContext, Flow } from './flow.js';
import { withLayout } from './flow.js';
import { reorderGates } from './gates.js';
import { lstmInt8Weights } from './int8_weights.js';

/** ONNX operator for each rnnkit cell. */
const OP_TYPE = { rnn_tanh: 'RNN', rnn_relu: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;

/** onnxruntime's contrib operator domain (`DynamicQuantizeLSTM`, `DynamicQuantizeMatMul`). */
export const MS_DOMAIN = 'com.microsoft';

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
 *
 * With `int8` (an LSTM layer of a quantized model, `{ quantized: 'int8' }`) each op is
 * onnxruntime's `com.microsoft` `DynamicQuantizeLSTM` instead: the same inputs and attributes,
 * then P (none), W_scale, W_zero_point, R_scale, R_zero_point; W [dirs, D, 4H] and R
 * [dirs, H, 4H] are the int8 weights transposed and stored as uint8 Wq + 128, scales [dirs, 4H]
 * rnnkit's per-row scales, zero points [dirs, 4H] all 128 (see int8_weights.ts for why uint8).
 * B stays float32.
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
  /** The layer's int8 weights by unprefixed name, for the DynamicQuantizeLSTM form (LSTM only). */
  int8?: (name: string) => QuantizedMatrix,
): RecurrentOutputs {
  const { g } = ctx;
  const H = spec.hiddenSize;
  const G = gateCount(spec.cell);
  const dirs = numDirections(spec);
  const L = spec.numLayers;
  const lstm = spec.cell === 'lstm';
  if (int8 && !lstm) throw new Error(`onnx-export: internal error, int8 form of a ${spec.cell} layer`);
  const tag = `l${layerIndex}_${spec.cell}${int8 ? '_int8' : ''}`;
  let x = withLayout(g, input, true, `l${layerIndex}_in`).name;
  const hParts: string[] = [];
  const cParts: string[] = [];

  for (let k = 0; k < L; k++) {
    const D = k === 0 ? spec.inputSize : dirs * H;
    /** DynamicQuantizeLSTM's inputs after P: W_scale, W_zero_point, R_scale, R_zero_point. */
    let int8Tail: string[] = [];
    const B = spec.bias ? new Float32Array(dirs * 2 * G * H) : undefined;
    const sources: string[] = [];
    const dirNames = Array.from({ length: dirs }, (_, d) => directionParamNames(spec, k, d === 1));
    for (const [d, n] of dirNames.entries()) {
      if (B && n.biasIh && n.biasHh) {
        reorderGates(spec.cell, H, 1, param(n.biasIh), B, d * 2 * G * H);
        reorderGates(spec.cell, H, 1, param(n.biasHh), B, d * 2 * G * H + G * H);
      }
      sources.push(...Object.values(n).map((p) => `${layerIndex}.${p}`));
    }
    const from = `from ${sources.join(', ')}`;
    let weightInputs: string[];
    if (int8) {
      const wq = lstmInt8Weights(
        spec.cell,
        H,
        D,
        dirNames.map((n) => int8(n.weightIh)),
      );
      const rq = lstmInt8Weights(
        spec.cell,
        H,
        H,
        dirNames.map((n) => int8(n.weightHh)),
      );
      const w = g.int8Weight(`${tag}_k${k}_W`, [dirs, D, G * H], wq.data, `W, uint8 int8+128, [dirs, input, 4*hidden] (transposed, ONNX gate order), ${from}`);
      const r = g.int8Weight(`${tag}_k${k}_R`, [dirs, H, G * H], rq.data, 'R, uint8 int8+128, [dirs, hidden, 4*hidden] (transposed, ONNX gate order)');
      weightInputs = [w, r];
      const sz = [dirs, G * H];
      const scaleDoc = 'one float32 scale per output channel (rnnkit per-row scale), ONNX gate order';
      int8Tail = [
        g.weight(`${tag}_k${k}_W_scale`, sz, wq.scales, `W_scale: ${scaleDoc}`),
        g.int8Weight(`${tag}_k${k}_W_zero_point`, sz, wq.zeroPoints, 'W_zero_point: 128 (rnnkit int8 weights are symmetric; stored +128 as uint8)'),
        g.weight(`${tag}_k${k}_R_scale`, sz, rq.scales, `R_scale: ${scaleDoc}`),
        g.int8Weight(`${tag}_k${k}_R_zero_point`, sz, rq.zeroPoints, 'R_zero_point: 128 (symmetric int8 stored +128 as uint8)'),
      ];
    } else {
      const W = new Float32Array(dirs * G * H * D);
      const R = new Float32Array(dirs * G * H * H);
      for (const [d, n] of dirNames.entries()) {
        reorderGates(spec.cell, H, D, param(n.weightIh), W, d * G * H * D);
        reorderGates(spec.cell, H, H, param(n.weightHh), R, d * G * H * H);
      }
      weightInputs = [
        g.weight(`${tag}_k${k}_W`, [dirs, G * H, D], W, `W (ONNX gate order), ${from}`),
        g.weight(`${tag}_k${k}_R`, [dirs, G * H, H], R, 'R (ONNX gate order)'),
      ];
    }
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
    const inputs = [x, ...weightInputs, b, ctx.lengths ?? '', stateSlice(init.h0, 'h0'), ...(lstm ? [stateSlice(init.c0, 'c0')] : [])];
    if (int8) inputs.push('', ...int8Tail); // P (no peepholes), then the scales and zero points
    g.node(
      int8 ? 'DynamicQuantizeLSTM' : OP_TYPE[spec.cell],
      inputs,
      [y, yh, ...(yc ? [yc] : [])],
      attrs,
      `rnnkit layers[${layerIndex}] (${spec.cell}${spec.cell === 'gru' ? `, resetAfter=${spec.gruResetAfter}` : ''}${int8 ? ', int8 weights' : ''}), stacked layer ${k + 1} of ${L}`,
      int8 ? MS_DOMAIN : undefined,
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
