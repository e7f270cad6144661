import type { CellKind } from '@rnnkit/core';
import { gateCount, RnnkitError } from '@rnnkit/core';

/**
 * Weight conversion between rnnkit (PyTorch `state_dict` layout) and Keras / tfjs-layers, on
 * host arrays so any package (apps/bench included) can use it without tfjs.
 *
 * rnnkit: weight_ih [G*H, D], weight_hh [G*H, H], bias_ih and bias_hh [G*H]; gates lstm i,f,g,o,
 * gru r,z,n. Keras: kernel [D, G*H] = W_ihᵀ, recurrent_kernel [H, G*H] = W_hhᵀ; gates lstm
 * i,f,c,o (the same order), gru z,r,h; one bias = b_ih + b_hh for SimpleRNN, LSTM and GRU with
 * reset_after=False (where b_hn sits outside r ⊙ …, so it folds exactly), and for GRU with
 * reset_after=True a [2, 3H] bias: input bias row, recurrent bias row. tfjs-layers 4.22 rejects
 * reset_after=True, so only rnnkit's `gruResetAfter: false` GRU has a tfjs-layers twin.
 */

/** One layer-direction's weights in rnnkit's layout. */
export interface RnnkitDirectionWeights {
  /** `weight_ih_l{k}`: [G*H, D], gates stacked in PyTorch's order (lstm i,f,g,o; gru r,z,n). */
  weightIh: Float32Array;
  /** `weight_hh_l{k}`: [G*H, H]. */
  weightHh: Float32Array;
  /** `bias_ih_l{k}`: [G*H]; absent for a layer without biases. */
  biasIh?: Float32Array;
  /** `bias_hh_l{k}`: [G*H]; absent for a layer without biases. */
  biasHh?: Float32Array;
}

/**
 * One Keras / tfjs-layers recurrent layer's weights, as `layer.getWeights()` (tfjs) or
 * `layer.get_weights()` (Python) give them, with their shapes: gates in Keras' order.
 */
export interface KerasRecurrentWeights {
  /** `kernel`: W_ihᵀ, row-major [D, G*H]. */
  kernel: Float32Array;
  /** [D, G*H]. */
  kernelShape: [number, number];
  /** `recurrent_kernel`: W_hhᵀ, row-major [H, G*H]. */
  recurrentKernel: Float32Array;
  /** [H, G*H]. */
  recurrentKernelShape: [number, number];
  /** `bias`: [G*H], or [2, G*H] (input row, recurrent row) for a GRU with reset_after=True; absent with `use_bias=False`. */
  bias?: Float32Array;
  /** [G*H], or [2, G*H] for a GRU with reset_after=True. */
  biasShape?: [number] | [number, number];
}

/** What `toKerasWeights`, `fromKerasWeights` and `kerasLayerArgs` need to know about the layer. */
export interface KerasConversionOptions {
  /** The cell: `rnn_tanh`/`rnn_relu` (Keras SimpleRNN), `lstm` or `gru`. */
  cell: CellKind;
  /** Input features D. */
  inputSize: number;
  /** Hidden units H (Keras `units`). */
  hiddenSize: number;
  /** GRU only: rnnkit's `gruResetAfter` (Keras `reset_after`). */
  gruResetAfter?: boolean;
}

/** Keras gate block k holds rnnkit gate block perm[k]. */
function gatePermutation(cell: CellKind): number[] {
  return cell === 'gru' ? [1, 0, 2] : cell === 'lstm' ? [0, 1, 2, 3] : [0];
}

function checkLength(argument: string, a: Float32Array | undefined, n: number, what: string): void {
  if (a === undefined) return;
  if (!(a instanceof Float32Array) || a.length !== n) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `${argument}: expected a Float32Array of ${n} values (${what}), got ${a instanceof Float32Array ? `${a.length} values` : typeof a}`,
      { argument },
    );
  }
}

/** W [G*H, K] (rnnkit gate order) → Wᵀ [K, G*H] in Keras gate order. */
function toKerasMatrix(w: Float32Array, G: number, H: number, K: number, perm: number[]): Float32Array {
  const out = new Float32Array(K * G * H);
  for (let k = 0; k < G; k++)
    for (let j = 0; j < H; j++) {
      const row = (perm[k] * H + j) * K;
      const col = k * H + j;
      for (let d = 0; d < K; d++) out[d * G * H + col] = w[row + d];
    }
  return out;
}

/** Inverse of toKerasMatrix. */
function fromKerasMatrix(m: Float32Array, G: number, H: number, K: number, perm: number[]): Float32Array {
  const out = new Float32Array(G * H * K);
  for (let k = 0; k < G; k++)
    for (let j = 0; j < H; j++) {
      const row = (perm[k] * H + j) * K;
      const col = k * H + j;
      for (let d = 0; d < K; d++) out[row + d] = m[d * G * H + col];
    }
  return out;
}

function permuteVector(v: Float32Array, G: number, H: number, perm: number[], inverse: boolean): Float32Array {
  const out = new Float32Array(G * H);
  for (let k = 0; k < G; k++)
    for (let j = 0; j < H; j++) {
      if (inverse) out[perm[k] * H + j] = v[k * H + j];
      else out[k * H + j] = v[perm[k] * H + j];
    }
  return out;
}

/** rnnkit (PyTorch) weights of one layer-direction → Keras / tfjs-layers weights. */
export function toKerasWeights(w: RnnkitDirectionWeights, o: KerasConversionOptions): KerasRecurrentWeights {
  const G = gateCount(o.cell);
  const { inputSize: D, hiddenSize: H } = o;
  checkLength('weightIh', w.weightIh, G * H * D, `[${G * H}, ${D}]`);
  checkLength('weightHh', w.weightHh, G * H * H, `[${G * H}, ${H}]`);
  checkLength('biasIh', w.biasIh, G * H, `[${G * H}]`);
  checkLength('biasHh', w.biasHh, G * H, `[${G * H}]`);
  const perm = gatePermutation(o.cell);
  const out: KerasRecurrentWeights = {
    kernel: toKerasMatrix(w.weightIh, G, H, D, perm),
    kernelShape: [D, G * H],
    recurrentKernel: toKerasMatrix(w.weightHh, G, H, H, perm),
    recurrentKernelShape: [H, G * H],
  };
  if (!w.biasIh && !w.biasHh) return out;
  const zero = new Float32Array(G * H);
  const bi = permuteVector(w.biasIh ?? zero, G, H, perm, false);
  const bh = permuteVector(w.biasHh ?? zero, G, H, perm, false);
  if (o.cell === 'gru' && (o.gruResetAfter ?? true)) {
    const bias = new Float32Array(2 * G * H);
    bias.set(bi, 0);
    bias.set(bh, G * H);
    return { ...out, bias, biasShape: [2, G * H] };
  }
  const bias = new Float32Array(G * H);
  for (let i = 0; i < bias.length; i++) bias[i] = bi[i] + bh[i];
  return { ...out, bias, biasShape: [G * H] };
}

/**
 * Keras / tfjs-layers weights → rnnkit (PyTorch) weights. A single Keras bias becomes bias_ih
 * with bias_hh = 0 (the same function); a [2, 3H] GRU bias splits into both.
 */
export function fromKerasWeights(k: KerasRecurrentWeights, o: KerasConversionOptions): RnnkitDirectionWeights {
  const G = gateCount(o.cell);
  const { inputSize: D, hiddenSize: H } = o;
  checkLength('kernel', k.kernel, D * G * H, `[${D}, ${G * H}]`);
  checkLength('recurrentKernel', k.recurrentKernel, H * G * H, `[${H}, ${G * H}]`);
  const perm = gatePermutation(o.cell);
  const w: RnnkitDirectionWeights = {
    weightIh: fromKerasMatrix(k.kernel, G, H, D, perm),
    weightHh: fromKerasMatrix(k.recurrentKernel, G, H, H, perm),
  };
  if (!k.bias) return w;
  const split = o.cell === 'gru' && (o.gruResetAfter ?? true);
  checkLength('bias', k.bias, (split ? 2 : 1) * G * H, split ? `[2, ${G * H}]` : `[${G * H}]`);
  if (split) {
    return { ...w, biasIh: permuteVector(k.bias.subarray(0, G * H), G, H, perm, true), biasHh: permuteVector(k.bias.subarray(G * H), G, H, perm, true) };
  }
  return { ...w, biasIh: permuteVector(k.bias, G, H, perm, true), biasHh: new Float32Array(G * H) };
}

/**
 * Arguments for the matching tfjs-layers layer (`tf.layers.simpleRNN`, `lstm` or `gru`) so it
 * computes rnnkit's function: sigmoid gates (tfjs defaults to hardSigmoid), tanh or relu, and
 * the reset-before GRU. Throws UNSUPPORTED for the reset-after GRU, which tfjs-layers lacks.
 */
export function kerasLayerArgs(o: KerasConversionOptions & { bias?: boolean }): {
  /** The `tf.layers` factory to call: `simpleRNN` (rnn_tanh, rnn_relu), `lstm` or `gru`. */
  layer: 'simpleRNN' | 'lstm' | 'gru';
  /** Its arguments (add `returnSequences`, `weights` and the rest yourself). */
  args: {
    /** Hidden units H (`hiddenSize`). */
    units: number;
    /** The cell's activation: `relu` for rnn_relu, else `tanh`. */
    activation: 'tanh' | 'relu';
    /** LSTM and GRU: `sigmoid`, overriding tfjs-layers' default hardSigmoid. */
    recurrentActivation?: 'sigmoid';
    /** Whether the layer has a bias: `bias`, default true. */
    useBias: boolean;
    /** GRU only: always false (the reset-before GRU; reset-after throws UNSUPPORTED). */
    resetAfter?: false;
  };
} {
  const useBias = o.bias ?? true;
  switch (o.cell) {
    case 'rnn_tanh':
    case 'rnn_relu':
      return { layer: 'simpleRNN', args: { units: o.hiddenSize, activation: o.cell === 'rnn_tanh' ? 'tanh' : 'relu', useBias } };
    case 'lstm':
      return { layer: 'lstm', args: { units: o.hiddenSize, activation: 'tanh', recurrentActivation: 'sigmoid', useBias } };
    case 'gru':
      if (o.gruResetAfter ?? true) {
        throw new RnnkitError('UNSUPPORTED', 'gruResetAfter: expected false for a tfjs-layers GRU (tfjs-layers 4.22 only has reset_after=False), got true', {
          argument: 'gruResetAfter',
        });
      }
      return { layer: 'gru', args: { units: o.hiddenSize, activation: 'tanh', recurrentActivation: 'sigmoid', useBias, resetAfter: false } };
  }
}
