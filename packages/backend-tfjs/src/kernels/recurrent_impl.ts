import type { CellKind } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import type { RecurrentForwardArgs, RecurrentSaved } from '@rnnkit/core/backend';
import { stepMasks } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { tfOf } from '../tensor.js';
import type { Tf, TfTensor } from '../tf.js';

/** Sizes and tf.Tensors of a recurrent call (core has checked every shape against x and weightHh). */
export interface RecurrentProblem {
  cell: CellKind;
  /** GRU in the reset-before form (Keras reset_after=False). */
  resetBefore: boolean;
  T: number;
  B: number;
  D: number;
  H: number;
  G: number;
  x: TfTensor; // [T, B, D]
  weightIh: TfTensor; // [G*H, D]
  weightHh: TfTensor; // [G*H, H]
  biasIh?: TfTensor; // [G*H]
  biasHh?: TfTensor; // [G*H]
  h0: TfTensor; // [B, H]
  /** lstm only; absent when the caller passed none (the kernel starts from zeros). */
  c0?: TfTensor; // [B, H]
  /** A copy of the caller's lengths: backward's masks must match the forward's. */
  lengths?: Int32Array;
}

export function recurrentProblem(a: RecurrentForwardArgs<TfjsTensor>): RecurrentProblem {
  const [T, B, D] = a.x.shape;
  const H = a.weightHh.shape[1];
  return {
    cell: a.cell,
    resetBefore: a.cell === 'gru' && !a.gruResetAfter,
    T,
    B,
    D,
    H,
    G: gateCount(a.cell),
    x: tfOf(a.x),
    weightIh: tfOf(a.weightIh),
    weightHh: tfOf(a.weightHh),
    ...(a.biasIh ? { biasIh: tfOf(a.biasIh) } : {}),
    ...(a.biasHh ? { biasHh: tfOf(a.biasHh) } : {}),
    h0: tfOf(a.h0),
    ...(a.cell === 'lstm' && a.c0 ? { c0: tfOf(a.c0) } : {}),
    ...(a.lengths ? { lengths: a.lengths.slice() } : {}),
  };
}

/**
 * Per-step masks as [B, 1] columns: keep[t] = 1 while t < lengths[b] (core's `stepMasks`), and
 * (for backward) pass[t] = 1 − keep[t]. One small upload per step.
 */
export function stepMaskTensors(tf: Tf, lengths: Int32Array, T: number, withPass: boolean): { keep: TfTensor[]; pass?: TfTensor[] } {
  const B = lengths.length;
  const masks = stepMasks(lengths, T);
  const keep = masks.map((k) => tf.tensor2d(k, [B, 1]));
  if (!withPass) return { keep };
  return {
    keep,
    pass: masks.map((k) =>
      tf.tensor2d(
        k.map((v) => 1 - v),
        [B, 1],
      ),
    ),
  };
}

/** What one forward step keeps for backward. */
export type SavedStep = {
  /** rnn: the unmasked new state; lstm: the activated gates [i, f, g, o] side by side [B, 4H]; gru: the reset gate r. */
  act: TfTensor;
  /** lstm: the same gates as separate [B, H] tensors, and tanh(c'). */
  gates?: TfTensor[];
  tanhC?: TfTensor;
  /** gru: the update gate z and the candidate n. */
  z?: TfTensor;
  n?: TfTensor;
  /** gru: W_hn h + b_hn (reset-after) or r ⊙ h (reset-before). */
  aux?: TfTensor;
};

export type SavedTensors = {
  /** Clones (shared data) of the inputs, so backward works even if the caller's handles change. */
  x: TfTensor;
  weightIh: TfTensor;
  weightHh: TfTensor;
  h0: TfTensor;
  c0?: TfTensor;
  /** The carried state entering steps 1..T−1 (step 0's is h0). */
  h: TfTensor[];
  /** lstm: the carried cell state entering steps 1..T−1. */
  c: TfTensor[];
  steps: SavedStep[];
};

/** The tfjs forward's saved values: tf.Tensors outside any tidy, released by dispose(). */
export class TfjsRecurrentSaved implements RecurrentSaved {
  private released = false;
  constructor(
    readonly ctx: TfjsContext,
    readonly problem: Omit<RecurrentProblem, 'x' | 'weightIh' | 'weightHh' | 'biasIh' | 'biasHh' | 'h0' | 'c0'> & { hasBiasIh: boolean; hasBiasHh: boolean },
    readonly tensors: SavedTensors,
  ) {}
  get disposed(): boolean {
    return this.released;
  }
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.ctx.tf.dispose(this.tensors as unknown as TfTensor[]);
  }
}

/** float32 values each training step keeps for backward, per batch row, in units of H (see `recurrentForward`'s `keep`). */
const SAVED_PER_STEP: Record<string, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 10, gru: 4 };

/**
 * Bytes a recurrent forward holds at its peak beyond its inputs: the input projection and its
 * per-step copies (2·T·B·G·H), the outputs and their stack (2·T·B·H), and for training the
 * per-step tensors kept for backward and the carried states (core's per-result check sees only y).
 */
export function forwardWorkingBytes(cell: string, T: number, B: number, H: number, G: number, training: boolean): number {
  const perRow = 2 * G * H + 2 * H + (training ? H * (SAVED_PER_STEP[cell]! + 1 + (cell === 'lstm' ? 1 : 0)) : 0);
  return 4 * T * B * perRow;
}

/**
 * Bytes a recurrent backward holds at its peak beyond `saved`: the per-step gate gradients of
 * both sides and their concatenation (3·T·B·G·H), the per-step dy copies and gru's dQ (2·T·B·H),
 * and dx with its staging (2·T·B·D).
 */
export function backwardWorkingBytes(T: number, B: number, D: number, H: number, G: number): number {
  return 4 * T * B * (3 * G * H + 2 * H + 2 * D);
}
