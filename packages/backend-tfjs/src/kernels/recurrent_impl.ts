import { RnnkitError, formatShape, gateCount, isCellKind } from '@rnnkit/core';
import type { CellKind, RecurrentForwardArgs, RecurrentSaved, Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { Tf, TfTensor } from '../tf.js';
import { argError, shapeError } from '../validate.js';

/** Sizes and unwrapped inputs of a recurrent call, after validation. */
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
  c0?: TfTensor; // [B, H]
  lengths?: Int32Array;
}

/** Checks a forward call's arguments before anything is allocated. */
export function checkForwardArgs(be: TfjsBackend, a: RecurrentForwardArgs, prefix = ''): RecurrentProblem {
  const p = (s: string) => `${prefix}${s}`;
  if (!a || typeof a !== 'object') argError(p('args'), 'an object', a);
  if (!isCellKind(a.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${p('cell')}: expected "rnn_tanh", "rnn_relu", "lstm" or "gru", got ${JSON.stringify(a.cell)}`, { argument: p('cell') });
  }
  if (typeof a.gruResetAfter !== 'boolean') argError(p('gruResetAfter'), 'a boolean', a.gruResetAfter);
  const x = be.unwrap(a.x, p('x'));
  const weightIh = be.unwrap(a.weightIh, p('weightIh'));
  const weightHh = be.unwrap(a.weightHh, p('weightHh'));
  const h0 = be.unwrap(a.h0, p('h0'));
  if (a.x.shape.length !== 3 || a.x.shape[0] < 1 || a.x.shape[1] < 1) shapeError(p('x'), '[T, B, D] with T ≥ 1 and B ≥ 1 (time-major)', a.x.shape);
  const [T, B, D] = a.x.shape;
  const G = gateCount(a.cell);
  if (a.weightHh.shape.length !== 2 || a.weightHh.shape[1] < 1 || a.weightHh.shape[0] !== G * a.weightHh.shape[1]) {
    shapeError(p('weightHh'), `[${G}*H, H] for ${a.cell} (G = ${G})`, a.weightHh.shape);
  }
  const H = a.weightHh.shape[1];
  const expect = (arg: string, t: Tensor | undefined, shape: number[]) => {
    if (t && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) shapeError(p(arg), formatShape(shape), t.shape);
  };
  expect('weightIh', a.weightIh, [G * H, D]);
  const biasIh = a.biasIh === undefined ? undefined : be.unwrap(a.biasIh, p('biasIh'));
  const biasHh = a.biasHh === undefined ? undefined : be.unwrap(a.biasHh, p('biasHh'));
  expect('biasIh', a.biasIh, [G * H]);
  expect('biasHh', a.biasHh, [G * H]);
  expect('h0', a.h0, [B, H]);
  let c0: TfTensor | undefined;
  if (a.cell === 'lstm') {
    if (a.c0 === undefined) argError(p('c0'), `a [${B}, ${H}] tensor (lstm carries a cell state)`, undefined);
    c0 = be.unwrap(a.c0, p('c0'));
    expect('c0', a.c0, [B, H]);
  }
  let lengths: Int32Array | undefined;
  if (a.lengths !== undefined) {
    if (!(a.lengths instanceof Int32Array) || a.lengths.length !== B) {
      throw new RnnkitError('INVALID_LENGTHS', `${p('lengths')}: expected an Int32Array of ${B} lengths, got ${a.lengths instanceof Int32Array ? `${a.lengths.length} lengths` : typeof a.lengths}`, { argument: p('lengths') });
    }
    for (let b = 0; b < B; b++) {
      const L = a.lengths[b];
      if (L < 1 || L > T) throw new RnnkitError('INVALID_LENGTHS', `${p(`lengths[${b}]`)}: expected a length in [1, ${T}], got ${L}`, { argument: p(`lengths[${b}]`) });
    }
    lengths = a.lengths.slice();
  }
  return {
    cell: a.cell,
    resetBefore: a.cell === 'gru' && !a.gruResetAfter,
    T,
    B,
    D,
    H,
    G,
    x,
    weightIh,
    weightHh,
    ...(biasIh ? { biasIh } : {}),
    ...(biasHh ? { biasHh } : {}),
    h0,
    ...(c0 ? { c0 } : {}),
    ...(lengths ? { lengths } : {}),
  };
}

/**
 * Per-step masks as [B, 1] columns: keep[t] = 1 while t < lengths[b], and (for backward)
 * pass[t] = 1 − keep[t]. Built on the host, one small upload per step.
 */
export function stepMasks(tf: Tf, lengths: Int32Array, T: number, withPass: boolean): { keep: TfTensor[]; pass?: TfTensor[] } {
  const B = lengths.length;
  const keep: TfTensor[] = [];
  const pass: TfTensor[] = [];
  for (let t = 0; t < T; t++) {
    const k = new Float32Array(B);
    for (let b = 0; b < B; b++) k[b] = t < lengths[b] ? 1 : 0;
    keep.push(tf.tensor2d(k, [B, 1]));
    if (withPass) pass.push(tf.tensor2d(k.map((v) => 1 - v), [B, 1]));
  }
  return withPass ? { keep, pass } : { keep };
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
    readonly owner: TfjsBackend,
    readonly problem: Omit<RecurrentProblem, 'x' | 'weightIh' | 'weightHh' | 'biasIh' | 'biasHh' | 'h0' | 'c0'> & { hasBiasIh: boolean; hasBiasHh: boolean },
    readonly tensors: SavedTensors,
  ) {}
  get disposed(): boolean {
    return this.released;
  }
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.owner.tf.dispose(this.tensors as unknown as TfTensor[]);
  }
}
