import { describe, hostDataError, RnnkitError } from '../errors.js';
import type { Lengths } from '../model/lengths.js';
import { readLengths } from '../model/lengths.js';
import type { TokenInput } from '../model/model.js';
import type { HostTensor } from '../tensor.js';
import { formatShape, sizeOf } from '../tensor.js';
import type { Rng } from '../util/rng.js';

/** Integer ids with a shape: class ids `[N]` (one per sequence) or `[N, T]` (one per step). */
export interface IdTensor {
  /** The ids, row-major; `ids.length` equals the product of `shape`. */
  ids: Int32Array | readonly number[];
  /** `[N]` (one id per sequence) or `[N, T]` (one per step). */
  shape: readonly number[];
}

/** What a loss compares the output with: floats (regression) or class ids (classification). */
export type Targets = HostTensor | IdTensor;

/**
 * A training set, sample-first whatever the model's layout: `x` is floats `[N, T, F]` or token
 * ids `[N, T]`; `y` is floats `[N, F]` / `[N, T, F]` or class ids `[N]` / `[N, T]`.
 */
export interface TrainData {
  /** Inputs, sample-first: floats `[N, T, F]` or token ids `[N, T]`. */
  x: HostTensor | TokenInput;
  /** Class ids may also be a plain array, one per sample. */
  y: Targets | Int32Array | readonly number[];
  /** Valid input steps per sample (N); steps past them are padding. */
  lengths?: Lengths;
  /**
   * Valid target steps per sample (N), when they differ from the input's (seq2seq). Per-step
   * targets are masked with `yLengths`, else with `lengths`.
   */
  yLengths?: Lengths;
}

/** One minibatch, sample-first, as `TrainData` with B samples. */
export interface TrainBatch {
  /** Inputs: floats `[B, T, F]` or token ids `[B, T]`. */
  x: HostTensor | TokenInput;
  /** Targets: floats `[B, F]` / `[B, T, F]` or class ids `[B]` / `[B, T]`. */
  y: Targets;
  /** Valid input steps per sample, `[B]`; absent when every step is valid. */
  lengths?: Int32Array;
  /** Valid target steps per sample, `[B]`, when they differ from `lengths` (seq2seq). */
  yLengths?: Int32Array;
  /** B, the number of samples. */
  size: number;
}

export function isIdTensor(t: unknown): t is IdTensor {
  return typeof t === 'object' && t !== null && 'ids' in t && 'shape' in t;
}

function isHostTensor(t: unknown): t is HostTensor {
  return typeof t === 'object' && t !== null && 'data' in t && 'shape' in t && (t as HostTensor).data instanceof Float32Array;
}

function checkTensorLike(t: unknown, argument: string): number {
  if (isHostTensor(t)) {
    if (t.shape.length < 1 || t.data.length !== sizeOf(t.shape)) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `${argument}: expected data of ${sizeOf(t.shape)} values for shape ${formatShape(t.shape)}, got ${t.data.length}`,
        { argument },
      );
    }
    return t.shape[0];
  }
  if (isIdTensor(t)) {
    if (!Array.isArray(t.shape) || t.shape.length < 1 || t.ids.length !== sizeOf(t.shape)) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `${argument}: expected ${Array.isArray(t.shape) ? sizeOf(t.shape) : '?'} ids for shape ${describe(t.shape)}, got ${t.ids.length}`,
        { argument },
      );
    }
    return t.shape[0];
  }
  throw hostDataError(argument, t, ' or { ids, shape }');
}

function checkLengths(l: Lengths | undefined, N: number, T: number | undefined, argument: string): Int32Array | undefined {
  return l === undefined ? undefined : readLengths(l, N, T, argument, 'one per sample');
}

/** The data set with a plain array of class ids turned into an IdTensor `[N]`. */
export function withIdTargets<D extends TrainData>(d: D): D & { y: Targets; lengths?: ArrayLike<number>; yLengths?: ArrayLike<number> } {
  if (d === null || typeof d !== 'object') return d;
  let out: D & { y: Targets } = d as D & { y: Targets };
  if (Array.isArray(d.y) || d.y instanceof Int32Array) {
    const ids = d.y as ArrayLike<number>;
    out = { ...d, y: { ids: Int32Array.from(ids), shape: [ids.length] } };
  }
  // BigInt64Array lengths (PyTorch's int64) as numbers; checkTrainData checks the originals (as bigints).
  if (d.lengths instanceof BigInt64Array) out = { ...out, lengths: Float64Array.from(d.lengths, Number) };
  if (d.yLengths instanceof BigInt64Array) out = { ...out, yLengths: Float64Array.from(d.yLengths, Number) };
  return out as D & { y: Targets; lengths?: ArrayLike<number>; yLengths?: ArrayLike<number> };
}

/** Checks a data set's shapes agree; returns N. `argument` names it in errors (`data`, `validation`). */
export function checkTrainData(dIn: TrainData, argument = 'data'): number {
  if (dIn === null || typeof dIn !== 'object') throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected {x, y}, got ${describe(dIn)}`, { argument });
  const d = withIdTargets(dIn);
  const N = checkTensorLike(d.x, `${argument}.x`);
  const Ny = checkTensorLike(d.y, `${argument}.y`);
  if (N < 1)
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}.x: expected at least one sample, got shape ${formatShape(d.x.shape)}`, { argument: `${argument}.x` });
  if (Ny !== N) {
    throw new RnnkitError('SHAPE_MISMATCH', `${argument}.y: expected ${N} samples (as x has) in the first axis, got shape ${formatShape(d.y.shape)}`, {
      argument: `${argument}.y`,
    });
  }
  checkLengths(dIn.lengths, N, d.x.shape[1], `${argument}.lengths`);
  checkLengths(dIn.yLengths, N, d.y.shape.length > 1 ? d.y.shape[1] : undefined, `${argument}.yLengths`);
  return N;
}

function takeFloat(t: HostTensor, idx: ArrayLike<number>): HostTensor {
  const per = sizeOf(t.shape.slice(1));
  const out = new Float32Array(idx.length * per);
  for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
  return { data: out, shape: [idx.length, ...t.shape.slice(1)] };
}

function takeIds(t: IdTensor, idx: ArrayLike<number>): IdTensor {
  const per = sizeOf(t.shape.slice(1));
  const out = new Int32Array(idx.length * per);
  for (let i = 0; i < idx.length; i++) for (let j = 0; j < per; j++) out[i * per + j] = t.ids[idx[i] * per + j];
  return { ids: out, shape: [idx.length, ...t.shape.slice(1)] };
}

/** Samples `idx` of a float tensor or id tensor, sample-first. */
export function takeSamples<X extends HostTensor | IdTensor>(t: X, idx: ArrayLike<number>): X {
  return (isIdTensor(t) ? takeIds(t, idx) : takeFloat(t as HostTensor, idx)) as X;
}

/** Samples `idx` of a data set as one batch. */
export function makeBatch(dIn: TrainData, idx: ArrayLike<number>): TrainBatch {
  const d = withIdTargets(dIn);
  const pick = (l: Lengths | undefined) => (l ? Int32Array.from(idx, (i) => Number(l[i])) : undefined);
  const lengths = pick(d.lengths);
  const yLengths = pick(d.yLengths);
  return {
    x: takeSamples(d.x as HostTensor | IdTensor, idx) as HostTensor | TokenInput,
    y: takeSamples(d.y, idx),
    ...(lengths ? { lengths } : {}),
    ...(yLengths ? { yLengths } : {}),
    size: idx.length,
  };
}

/** Sample order of one epoch: 0..N−1, shuffled (Fisher–Yates) when `rng` is given. */
export function epochOrder(N: number, rng?: Rng): Int32Array {
  const order = new Int32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  if (rng) {
    for (let i = N - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
  return order;
}

/** Splits `order` into consecutive batches of `batchSize` (the last may be smaller). */
export function* batchesOf(d: TrainData, order: Int32Array, batchSize: number): Generator<TrainBatch> {
  for (let i = 0; i < order.length; i += batchSize) yield makeBatch(d, order.subarray(i, Math.min(order.length, i + batchSize)));
}

/**
 * Swaps the first two axes of sample-first data ([B, T, ...] → [T, B, ...]) for time-major
 * models. Rank-1 targets ([B]) and rank-2 floats [B, F] (one row per sequence) are returned as they are.
 */
export function swapBatchTime<X extends HostTensor | IdTensor>(t: X, perStep: boolean): X {
  if (!perStep) return t;
  const [B, T] = t.shape;
  const rest = t.shape.slice(2);
  const per = sizeOf(rest);
  if (isIdTensor(t)) {
    const out = new Int32Array(t.ids.length);
    for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) for (let j = 0; j < per; j++) out[(s * B + b) * per + j] = t.ids[(b * T + s) * per + j];
    return { ids: out, shape: [T, B, ...rest] } as unknown as X;
  }
  const h = t as HostTensor;
  const out = new Float32Array(h.data.length);
  for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) out.set(h.data.subarray((b * T + s) * per, (b * T + s + 1) * per), (s * B + b) * per);
  return { data: out, shape: [T, B, ...rest] } as unknown as X;
}

/** Columns [start, start + count) of the time axis (axis 1) of sample-first data. */
export function sliceSteps<X extends HostTensor | IdTensor>(t: X, start: number, count: number): X {
  const [B, T] = t.shape;
  const rest = t.shape.slice(2);
  const per = sizeOf(rest);
  if (isIdTensor(t)) {
    const out = new Int32Array(B * count * per);
    for (let b = 0; b < B; b++) for (let i = 0; i < count * per; i++) out[b * count * per + i] = t.ids[(b * T + start) * per + i];
    return { ids: out, shape: [B, count, ...rest] } as unknown as X;
  }
  const h = t as HostTensor;
  const out = new Float32Array(B * count * per);
  for (let b = 0; b < B; b++) out.set(h.data.subarray((b * T + start) * per, (b * T + start + count) * per), b * count * per);
  return { data: out, shape: [B, count, ...rest] } as unknown as X;
}
