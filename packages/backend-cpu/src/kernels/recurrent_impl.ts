import type { CellKind } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import type { RecurrentBackwardArgs, RecurrentForwardArgs, RecurrentSaved } from '@rnnkit/core/backend';
import type { CpuTensor } from '../tensor.js';

/** A layer-direction's forward arguments unwrapped to Float32Arrays. */
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
 * The forward arguments unwrapped to Float32Arrays, with the sizes x [T, B, D] and weightHh
 * [G*H, H] fix. Core has checked every shape against the op's contract before a kernel runs.
 */
export function resolveRecurrent(a: RecurrentForwardArgs<CpuTensor>): ResolvedRecurrent {
  const cell = a.cell;
  const G = gateCount(cell);
  const batchFirst = a.batchFirst === true;
  const xs = a.x.shape;
  const [T, B, D] = batchFirst ? [xs[1], xs[0], xs[2]] : [xs[0], xs[1], xs[2]];
  const H = a.weightHh.shape[1];
  return {
    cell,
    resetAfter: cell === 'gru' && a.gruResetAfter === true,
    T,
    B,
    D,
    H,
    G,
    batchFirst,
    x: a.x.data,
    weightIh: a.weightIh.data,
    weightHh: a.weightHh.data,
    biasIh: a.biasIh?.data,
    biasHh: a.biasHh?.data,
    h0: a.h0.data,
    c0: cell === 'lstm' ? a.c0?.data : undefined,
    // A private copy: the caller may change its array before backward.
    lengths: a.lengths?.slice(),
  };
}

/** Backward's arguments unwrapped; shared by both engines. */
export interface ResolvedBackward {
  r: ResolvedRecurrent;
  s: CpuRecurrentSaved;
  dy: Float32Array | undefined; // [T, B, H]; [B, T, H] when r.batchFirst
  dhN: Float32Array | undefined; // [B, H]
  dcN: Float32Array | undefined; // [B, H], LSTM
}

/**
 * `saved` is what this backend's own recurrentForward returned for a forward of these sizes and
 * is not yet disposed: core hands a native backward nothing else.
 */
export function resolveBackward(a: RecurrentBackwardArgs<CpuTensor>): ResolvedBackward {
  const r = resolveRecurrent(a.forward);
  return {
    r,
    s: a.saved as CpuRecurrentSaved,
    dy: a.dy?.data,
    dhN: a.dhN?.data,
    dcN: r.cell === 'lstm' ? a.dcN?.data : undefined,
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
    /** The cell the forward ran: `rnn_tanh`, `rnn_relu`, `lstm` or `gru`. */
    readonly cell: CellKind,
    /** GRU: the reset-after form (PyTorch's; b_hn inside r ⊙ (…)); the forward's flag, unused by the other cells. */
    readonly resetAfter: boolean,
    /** Sequence length (steps). */
    readonly T: number,
    /** Batch size. */
    readonly B: number,
    /** Input features per step. */
    readonly D: number,
    /** Hidden units. */
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
    /** [B] valid steps per sequence (a private copy of the forward's `lengths`); undefined: every sequence spans all T steps. */
    readonly lengths: Int32Array | undefined,
  ) {}
  /** Set while the buffers are elsewhere (see `ResidentBuffers`); the fields are empty then. */
  resident: ResidentBuffers | undefined;
  /** True once `dispose` ran: the buffers are gone and a backward with this object is refused. */
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
