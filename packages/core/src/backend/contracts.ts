import { gateCount, isCellKind } from '../cells.js';
import { describe, RnnkitError } from '../errors.js';
import type { Shape, Tensor } from '../tensor.js';
import { formatShape, rowsCols, sizeOf } from '../tensor.js';
import type { AdamUpdateArgs, QuantizedMatrix, QuantizedTensor, RecurrentBackwardArgs, RecurrentForwardArgs, SgdUpdateArgs } from './backend.js';
import { MAX_QUANTIZED_K } from './composite/int8_impl.js';
import type { MatmulOptions } from './kernel_table.js';

/**
 * Each kernel's contract, checked once in core before any backend runs it (`defineBackend`).
 * Tensors arrive here already known to be live tensors of the backend; these checks look at
 * shapes, index arrays and numbers only. Every failure is an RnnkitError whose message reads
 * `op: argument: expected …, got …`, the same on every backend.
 */

export function shapeError(op: string, argument: string, expected: string, actual: Shape): never {
  throw new RnnkitError('SHAPE_MISMATCH', `${op}: ${argument}: expected shape ${expected}, got ${formatShape(actual)}`, { argument });
}

/**
 * Throws the RnnkitError INVALID_ARGUMENT for `op`'s `argument`, message
 * `op: argument: expected <expected>, got <actual described>`. Never returns.
 */
export function invalidArgument(op: string, argument: string, expected: string, actual: unknown): never {
  throw new RnnkitError('INVALID_ARGUMENT', `${op}: ${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}

/** A shape is a list of non-negative integers. Returns a frozen copy. */
export function checkShapeArgument(op: string, argument: string, shape: unknown): Shape {
  // Loops, not every/some: V8's fast paths for those skip frozen arrays (every tensor's shape
  // here is frozen): some() on a frozen [2] is ~250 ns against ~8 ns.
  if (!Array.isArray(shape)) invalidArgument(op, argument, 'a list of non-negative integers', shape);
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!Number.isInteger(d) || (d as number) < 0) invalidArgument(op, argument, 'a list of non-negative integers', shape);
  }
  return Object.freeze([...(shape as number[])]);
}

export function checkNumber(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) invalidArgument(op, argument, 'a number', v);
  return v;
}

export function checkFinite(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalidArgument(op, argument, 'a finite number', v);
  return v;
}

/** An integer in [0, max]. */
export function checkIndex(op: string, argument: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) invalidArgument(op, argument, `an integer in [0, ${max}]`, v);
  return v;
}

export function check2d(op: string, argument: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) shapeError(op, argument, '[rows, cols] (rank 2)', x.shape);
  return [x.shape[0], x.shape[1]];
}

export function checkExact(op: string, argument: string, x: Tensor, expected: Shape): void {
  const s = x.shape;
  let same = s.length === expected.length;
  for (let i = 0; same && i < s.length; i++) same = s[i] === expected[i];
  if (!same) shapeError(op, argument, formatShape(expected), s);
}

/** Elementwise binary ops: both sides view as the same [rows, cols]. */
export function checkSameView(op: string, a: Tensor, b: Tensor, aName = 'a', bName = 'b'): void {
  const [ra, ca] = rowsCols(a.shape);
  const [rb, cb] = rowsCols(b.shape);
  if (ra !== rb || ca !== cb || sizeOf(a.shape) !== sizeOf(b.shape)) shapeError(op, bName, `${formatShape(a.shape)} (the shape of ${aName})`, b.shape);
}

/** A vector of n elements: [n], or [1, n] / [n, 1]. */
export function checkVector(op: string, argument: string, v: Tensor, n: number): void {
  const s = v.shape;
  const ok = (s.length === 1 && s[0] === n) || (s.length === 2 && ((s[0] === 1 && s[1] === n) || (s[0] === n && s[1] === 1)));
  if (!ok) shapeError(op, argument, `[${n}]`, s);
}

/** Row indices into `rows` rows: an Int32Array with every value in [0, rows). */
export function checkRowIndices(op: string, argument: string, indices: unknown, rows: number): Int32Array {
  if (!(indices instanceof Int32Array)) invalidArgument(op, argument, 'an Int32Array', indices);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (r < 0 || r >= rows) invalidArgument(op, `${argument}[${i}]`, `a row index in [0, ${rows})`, r);
  }
  return indices;
}

export function checkParts(op: string, parts: unknown): readonly unknown[] {
  if (!Array.isArray(parts)) invalidArgument(op, 'parts', 'an array of tensors', parts);
  if (parts.length === 0) invalidArgument(op, 'parts', 'at least one tensor', 0);
  return parts;
}

// ---- per-op contracts (tensors already resolved) ----------------------------------------

export function checkMatmul(a: Tensor, b: Tensor, opts: MatmulOptions): void {
  const transA = opts.transposeA ?? false;
  const transB = opts.transposeB ?? false;
  const [ar, ac] = check2d('matmul', 'a', a);
  const [br, bc] = check2d('matmul', 'b', b);
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [Kb, N] = transB ? [bc, br] : [br, bc];
  if (Kb !== K) {
    const want = transB ? `[N, ${K}]` : `[${K}, N]`;
    shapeError('matmul', 'b', `${want} (K = ${K} from a ${formatShape(a.shape)}${transA ? ', transposed' : ''}${transB ? '; b transposed' : ''})`, b.shape);
  }
  if (opts.alpha !== undefined) checkFinite('matmul', 'alpha', opts.alpha);
  if (opts.beta !== undefined) checkFinite('matmul', 'beta', opts.beta);
  if (opts.c) checkExact('matmul', 'c', opts.c, [M, N]);
}

export function checkClip(lo: unknown, hi: unknown): void {
  const l = checkNumber('clip', 'lo', lo);
  if (typeof hi !== 'number' || Number.isNaN(hi) || hi < l) invalidArgument('clip', 'hi', `a number ≥ lo (${l})`, hi);
}

export function checkConcat(op: 'concatColumns' | 'concatRows', parts: readonly Tensor[]): void {
  const byRows = op === 'concatColumns';
  const [M0, N0] = rowsCols(parts[0].shape);
  for (let i = 1; i < parts.length; i++) {
    const [M, N] = rowsCols(parts[i].shape);
    if (byRows && M !== M0) shapeError(op, `parts[${i}]`, `[${M0}, *] (the rows of parts[0] ${formatShape(parts[0].shape)})`, parts[i].shape);
    if (!byRows && N !== N0) shapeError(op, `parts[${i}]`, `[*, ${N0}] (the columns of parts[0] ${formatShape(parts[0].shape)})`, parts[i].shape);
  }
}

export function checkSoftmaxCrossEntropy(logits: Tensor, targets: unknown, ignoreIndex: unknown): void {
  const op = 'softmaxCrossEntropy';
  const [N, C] = rowsCols(logits.shape);
  const ignore = typeof ignoreIndex === 'number' && Number.isInteger(ignoreIndex) ? ignoreIndex : invalidArgument(op, 'ignoreIndex', 'an integer', ignoreIndex);
  if (!(targets instanceof Int32Array)) invalidArgument(op, 'targets', 'an Int32Array', targets);
  if (targets.length !== N) invalidArgument(op, 'targets', `${N} class ids (one per row of logits)`, `${targets.length} ids`);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t !== ignore && (t < 0 || t >= C)) invalidArgument(op, `targets[${i}]`, `a class id in [0, ${C}) or ignoreIndex ${ignore}`, t);
  }
}

/** The sizes a recurrent forward's arguments fix, also kept with `saved` to check backward against. */
export interface RecurrentDims {
  /** The cell kind the forward ran. */
  cell: RecurrentForwardArgs['cell'];
  /** GRU with PyTorch's reset-after form (false for every other cell). */
  resetAfter: boolean;
  /** x and y were [B, T, ·] instead of [T, B, ·]. */
  batchFirst: boolean;
  /** Sequence length (steps), ≥ 1. */
  T: number;
  /** Batch size, ≥ 1. */
  B: number;
  /** Input features per step. */
  D: number;
  /** Hidden size. */
  H: number;
}

/**
 * Every shape of a recurrent forward's arguments against x [T, B, D] and weightHh [G·H, H].
 * `prefix` goes before argument names (`forward.` from backward).
 */
export function checkRecurrentForward(op: string, a: RecurrentForwardArgs, prefix = ''): RecurrentDims {
  if (a === null || typeof a !== 'object') invalidArgument(op, prefix ? prefix.slice(0, -1) : 'args', 'an object of recurrent arguments', a);
  if (!isCellKind(a.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${op}: ${prefix}cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got ${JSON.stringify(a.cell)}`, {
      argument: `${prefix}cell`,
    });
  }
  const G = gateCount(a.cell);
  const batchFirst = a.batchFirst === true;
  const x = a.x;
  if (x.shape.length !== 3) shapeError(op, `${prefix}x`, batchFirst ? '[B, T, D] (batchFirst, rank 3)' : '[T, B, D] (time-major, rank 3)', x.shape);
  const xs = x.shape;
  const T = batchFirst ? xs[1] : xs[0];
  const B = batchFirst ? xs[0] : xs[1];
  const D = xs[2];
  if (T < 1 || B < 1) shapeError(op, `${prefix}x`, batchFirst ? '[B, T, D] with B ≥ 1 and T ≥ 1' : '[T, B, D] with T ≥ 1 and B ≥ 1', x.shape);
  const w = a.weightHh;
  if (w.shape.length !== 2) shapeError(op, `${prefix}weightHh`, `[${G}*H, H]`, w.shape);
  // H is weightHh's column count when its rows agree (G·H); otherwise trust h0 [B, H], so the
  // error names whichever of the two is off.
  const wr = w.shape[0];
  const wc = w.shape[1];
  const H = wr === G * wc || a.h0.shape.length !== 2 ? wc : a.h0.shape[1];
  checkExact(op, `${prefix}weightHh`, w, [G * H, H]);
  checkExact(op, `${prefix}weightIh`, a.weightIh, [G * H, D]);
  if (a.biasIh) checkExact(op, `${prefix}biasIh`, a.biasIh, [G * H]);
  if (a.biasHh) checkExact(op, `${prefix}biasHh`, a.biasHh, [G * H]);
  checkExact(op, `${prefix}h0`, a.h0, [B, H]);
  // An LSTM without c0 starts from zeros, as PyTorch's does.
  if (a.c0) {
    if (a.cell !== 'lstm') invalidArgument(op, `${prefix}c0`, `no cell state for a ${a.cell} cell`, 'a tensor');
    checkExact(op, `${prefix}c0`, a.c0, [B, H]);
  }
  if (a.lengths !== undefined) {
    const L = a.lengths;
    if (!(L instanceof Int32Array) || L.length !== B) {
      throw new RnnkitError(
        'INVALID_LENGTHS',
        `${op}: ${prefix}lengths: expected an Int32Array of ${B} lengths (one per batch row), got ${L instanceof Int32Array ? `${L.length} lengths` : describe(L)}`,
        { argument: `${prefix}lengths` },
      );
    }
    for (let b = 0; b < B; b++) {
      if (L[b] < 0 || L[b] > T) {
        throw new RnnkitError('INVALID_LENGTHS', `${op}: ${prefix}lengths[${b}]: expected an integer in [0, ${T}], got ${L[b]}`, {
          argument: `${prefix}lengths[${b}]`,
        });
      }
    }
  }
  if (typeof a.training !== 'boolean') invalidArgument(op, `${prefix}training`, 'a boolean', a.training);
  return { cell: a.cell, resetAfter: a.cell === 'gru' && a.gruResetAfter === true, batchFirst, T, B, D, H };
}

/** Backward's upstream gradients against the forward's sizes, and `saved` against the forward it came from. */
export function checkRecurrentBackward(a: RecurrentBackwardArgs, savedDims: RecurrentDims | undefined): RecurrentDims {
  const op = 'recurrentBackward';
  if (a === null || typeof a !== 'object') invalidArgument(op, 'args', 'an object of backward arguments', a);
  const r = checkRecurrentForward(op, a.forward, 'forward.');
  const s = savedDims;
  if (s && (s.cell !== r.cell || s.T !== r.T || s.B !== r.B || s.D !== r.D || s.H !== r.H || s.resetAfter !== r.resetAfter || s.batchFirst !== r.batchFirst)) {
    invalidArgument(
      op,
      'saved',
      `the value of a forward with these arguments (${r.cell} T=${r.T} B=${r.B} D=${r.D} H=${r.H})`,
      `one from ${s.cell} T=${s.T} B=${s.B} D=${s.D} H=${s.H}`,
    );
  }
  const { T, B, H } = r;
  if (a.dy) checkExact(op, 'dy', a.dy, r.batchFirst ? [B, T, H] : [T, B, H]);
  if (a.dhN) checkExact(op, 'dhN', a.dhN, [B, H]);
  if (a.dcN) {
    if (r.cell !== 'lstm') invalidArgument(op, 'dcN', `no cell-state gradient for a ${r.cell} cell`, 'a tensor');
    checkExact(op, 'dcN', a.dcN, [B, H]);
  }
  if (a.inputGrad !== undefined && typeof a.inputGrad !== 'boolean') invalidArgument(op, 'inputGrad', 'a boolean', a.inputGrad);
  return r;
}

const sameAsParam = (op: string, param: Tensor, t: Tensor, name: string) => {
  let same = t.shape.length === param.shape.length;
  for (let i = 0; same && i < t.shape.length; i++) same = t.shape[i] === param.shape[i];
  if (!same) {
    shapeError(op, name, `${formatShape(param.shape)} (the shape of param)`, t.shape);
  }
};

export function checkSgdUpdate(a: SgdUpdateArgs): void {
  const op = 'sgdUpdate';
  sameAsParam(op, a.param, a.grad, 'grad');
  if (a.velocity) sameAsParam(op, a.param, a.velocity, 'velocity');
  checkFinite(op, 'lr', a.lr);
  checkFinite(op, 'momentum', a.momentum);
  checkFinite(op, 'dampening', a.dampening);
  checkFinite(op, 'weightDecay', a.weightDecay);
  if (typeof a.nesterov !== 'boolean') invalidArgument(op, 'nesterov', 'a boolean', a.nesterov);
}

export function checkAdamUpdate(a: AdamUpdateArgs): void {
  const op = 'adamUpdate';
  sameAsParam(op, a.param, a.grad, 'grad');
  sameAsParam(op, a.param, a.m, 'm');
  sameAsParam(op, a.param, a.v, 'v');
  if (typeof a.step !== 'number' || !Number.isInteger(a.step) || a.step < 1) invalidArgument(op, 'step', 'an integer ≥ 1', a.step);
  for (const k of ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) checkFinite(op, k, a[k]);
  if (typeof a.decoupled !== 'boolean') invalidArgument(op, 'decoupled', 'a boolean', a.decoupled);
}

// ---- int8 ops ---------------------------------------------------------------------------

/** A host int8 matrix (`uploadQuantized`): sizes bounded, every value and scale in range. */
export function checkQuantizedMatrix(op: string, q: unknown): [number, number] {
  if (q === null || typeof q !== 'object') invalidArgument(op, 'q', 'a quantized matrix { data, scales, shape }', q);
  const m = q as Partial<QuantizedMatrix>;
  const shape = m.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument(op, 'q.shape', '[N, K] with N, K ≥ 1', shape);
  }
  const [N, K] = shape as [number, number];
  if (K > MAX_QUANTIZED_K) {
    throw new RnnkitError('LIMIT_EXCEEDED', `${op}: q.shape: expected at most ${MAX_QUANTIZED_K} columns (K), got ${K}`, { argument: 'q.shape' });
  }
  if (!(m.data instanceof Int8Array)) invalidArgument(op, 'q.data', 'an Int8Array', m.data);
  if (m.data.length !== N * K) invalidArgument(op, 'q.data', `${N * K} values for [${N}, ${K}]`, `${m.data.length} values`);
  for (let i = 0; i < m.data.length; i++) {
    if (m.data[i] === -128) invalidArgument(op, `q.data[${i}]`, 'a value in [-127, 127]', -128);
  }
  if (!(m.scales instanceof Float32Array)) invalidArgument(op, 'q.scales', 'a Float32Array', m.scales);
  if (m.scales.length !== N) invalidArgument(op, 'q.scales', `${N} scales (one per row)`, `${m.scales.length} scales`);
  for (let n = 0; n < N; n++) {
    const s = m.scales[n];
    if (!(s >= 0 && s <= 3.4028234663852886e38)) invalidArgument(op, `q.scales[${n}]`, 'a finite number ≥ 0', s);
  }
  return [N, K];
}

/** x [M, K] · weight [N, K]ᵀ + bias [N]. Returns [M, N]. */
export function checkQuantizedMatmul(x: Tensor, weight: QuantizedTensor, bias: Tensor | undefined): [number, number] {
  const op = 'quantizedMatmul';
  const [N, K] = weight.shape;
  const [M] = check2d(op, 'x', x);
  if (x.shape[1] !== K) shapeError(op, 'x', `[M, ${K}] (K from weight ${formatShape(weight.shape)})`, x.shape);
  if (bias) checkVector(op, 'bias', bias, N);
  return [M, N];
}
