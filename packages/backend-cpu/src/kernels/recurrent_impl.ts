import { RnnkitError, gateCount, isCellKind } from '@rnnkit/core';
import type { CellKind, RecurrentForwardArgs, RecurrentSaved, Tensor } from '@rnnkit/core';
import { asCpu } from '../tensor.js';
import type { CpuData } from '../tensor.js';
import { checkExact, shapeError } from '../validate.js';

/** A layer-direction's forward arguments checked and unwrapped to Float32Arrays. */
export interface ResolvedRecurrent {
  cell: CellKind;
  /** GRU only: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) when true (PyTorch), else W_hn (r ⊙ h). */
  resetAfter: boolean;
  T: number;
  B: number;
  D: number;
  H: number;
  G: number;
  /** x (and y, dy, dx) are [B, T, ·] rather than time-major: the args' `batchFirst`. */
  batchFirst: boolean;
  x: Float32Array; // [T, B, D]; [B, T, D] when batchFirst
  weightIh: Float32Array; // [G*H, D]
  weightHh: Float32Array; // [G*H, H]
  biasIh: Float32Array | undefined; // [G*H]
  biasHh: Float32Array | undefined; // [G*H]
  h0: Float32Array; // [B, H]
  c0: Float32Array | undefined; // [B, H], LSTM
  lengths: Int32Array | undefined; // (B), a private copy
}

/**
 * Checks every shape of the forward arguments against x [T, B, D] and weightHh [G*H, H] and
 * unwraps them. `prefix` goes before argument names in errors (`forward.` from backward).
 */
export function resolveRecurrent(op: string, a: RecurrentForwardArgs, prefix = ''): ResolvedRecurrent {
  if (!isCellKind(a.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${op}: ${prefix}cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got ${JSON.stringify(a.cell)}`, {
      argument: `${prefix}cell`,
    });
  }
  const cell = a.cell;
  const G = gateCount(cell);
  const get = (t: Tensor, name: string): CpuData => asCpu(t, prefix + name);
  const x = get(a.x, 'x');
  const batchFirst = a.batchFirst === true;
  if (x.shape.length !== 3) shapeError(op, `${prefix}x`, batchFirst ? '[B, T, D] (batchFirst, rank 3)' : '[T, B, D] (time-major, rank 3)', x.shape);
  const [T, B, D] = batchFirst ? [x.shape[1], x.shape[0], x.shape[2]] : x.shape;
  const weightHh = get(a.weightHh, 'weightHh');
  if (weightHh.shape.length !== 2) shapeError(op, `${prefix}weightHh`, `[${G}*H, H]`, weightHh.shape);
  const h0 = get(a.h0, 'h0');
  // H is weightHh's column count when its rows agree (G*H); otherwise trust h0 [B, H], so the
  // error names whichever of the two is off.
  const [wr, wc] = weightHh.shape;
  const H = wr === G * wc || h0.shape.length !== 2 ? wc : h0.shape[1];
  checkExact(op, `${prefix}weightHh`, weightHh, [G * H, H]);
  const weightIh = get(a.weightIh, 'weightIh');
  checkExact(op, `${prefix}weightIh`, weightIh, [G * H, D]);
  const bias = (t: Tensor | undefined, name: string): Float32Array | undefined => {
    if (!t) return undefined;
    const b = get(t, name);
    checkExact(op, prefix + name, b, [G * H]);
    return b.data;
  };
  checkExact(op, `${prefix}h0`, h0, [B, H]);
  let c0: Float32Array | undefined;
  if (cell === 'lstm' && a.c0) {
    const c = get(a.c0, 'c0');
    checkExact(op, `${prefix}c0`, c, [B, H]);
    c0 = c.data;
  }
  let lengths: Int32Array | undefined;
  if (a.lengths) {
    const L = a.lengths;
    if (!(L instanceof Int32Array) || L.length !== B) {
      throw new RnnkitError('INVALID_LENGTHS', `${op}: ${prefix}lengths: expected an Int32Array of ${B} lengths (one per batch row), got ${L instanceof Int32Array ? `${L.length} lengths` : Object.prototype.toString.call(L)}`, {
        argument: `${prefix}lengths`,
      });
    }
    for (let b = 0; b < B; b++) {
      if (L[b] < 0 || L[b] > T) {
        throw new RnnkitError('INVALID_LENGTHS', `${op}: ${prefix}lengths[${b}]: expected an integer in [0, ${T}], got ${L[b]}`, { argument: `${prefix}lengths[${b}]` });
      }
    }
    lengths = L.slice();
  }
  return {
    cell,
    resetAfter: a.gruResetAfter,
    T,
    B,
    D,
    H,
    G,
    batchFirst,
    x: x.data,
    weightIh: weightIh.data,
    weightHh: weightHh.data,
    biasIh: bias(a.biasIh, 'biasIh'),
    biasHh: bias(a.biasHh, 'biasHh'),
    h0: h0.data,
    c0,
    lengths,
  };
}

/**
 * Saved buffers that still sit where the forward computed them (the WebAssembly engine leaves
 * them in its memory until another kernel call needs that memory): `materialize` copies them
 * into the `CpuRecurrentSaved` fields and forgets the memory, `release` only forgets it.
 */
export interface ResidentBuffers {
  materialize(): void;
  release(): void;
}

/**
 * What the fused forward keeps for backward (cuDNN's reserve space), all time-major float32.
 * `hs` holds h0 then the carried state after each step, so hs[0..T) is every step's h_prev
 * as one [T*B, H] matrix for the dW_hh GEMM; for valid rows hs[t+1] is the step's new h.
 */
export class CpuRecurrentSaved implements RecurrentSaved {
  private _disposed = false;
  constructor(
    readonly cell: CellKind,
    readonly resetAfter: boolean,
    readonly T: number,
    readonly B: number,
    readonly D: number,
    readonly H: number,
    /** [(T+1), B, H] */
    public hs: Float32Array,
    /** LSTM: [(T+1), B, H], c0 then the carried cell state after each step. */
    public cs: Float32Array | undefined,
    /** LSTM, GRU: [T, B, G*H] activated gates (i, f, g, o / r, z, n). */
    public gates: Float32Array | undefined,
    /** LSTM: [T, B, H] tanh(c_t). */
    public tanhC: Float32Array | undefined,
    /** GRU: [T, B, H], W_hn h + b_hn (reset-after) or r ⊙ h (reset-before). */
    public aux: Float32Array | undefined,
    readonly lengths: Int32Array | undefined,
  ) {}
  /** Set while the buffers are elsewhere (see `ResidentBuffers`); the fields are empty then. */
  resident: ResidentBuffers | undefined;
  get disposed(): boolean {
    return this._disposed;
  }
  /** Drops the buffers; calling it again does nothing. */
  dispose(): void {
    this._disposed = true;
    this.resident?.release();
    this.resident = undefined;
    const empty = new Float32Array(0);
    this.hs = empty;
    this.cs = this.gates = this.tanhC = this.aux = undefined;
  }
}

/**
 * The rows of an [outer, inner, cols] array regrouped as [inner, outer, cols]: batch-first
 * [B, T, ·] to time-major [T, B, ·] (outer = B, inner = T) and back (outer = T, inner = B).
 */
export function transposeRows(src: Float32Array, outer: number, inner: number, cols: number): Float32Array {
  const out = new Float32Array(outer * inner * cols);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out.set(src.subarray((o * inner + i) * cols, (o * inner + i + 1) * cols), (i * outer + o) * cols);
  }
  return out;
}
