import { RnnkitError } from '../../errors.js';
import type { QuantizedMatrix } from '../backend.js';

/**
 * rnnkit's int8 scheme, the one definition every kernel follows (core's composite runs exactly
 * this; backend-cpu's plain-JS, SIMD128 and relaxed-SIMD kernels are tested bit for bit against
 * it by the test kit).
 *
 * Weights W [N, K] (one row per output channel), once, in `quantizeRows`:
 *   s_w[n] = fround(max_k |W[n, k]| / 127); Wq[n, k] = clamp(rne(fround(W[n, k] / s_w[n])), −127, 127)
 *   (Wq = 0 when s_w[n] = 0). Symmetric, zero point 0. rowSum[n] = Σ_k Wq[n, k].
 *
 * Activations x [M, K], dynamically, one row (one batch row of one step) at a time:
 *   lo = min(0, min_k x[k]), hi = max(0, max_k x[k])            (0 is always in range)
 *   s_x = fround(fround(hi − lo) / 127)
 *   z   = clamp(rne(fround(−lo / s_x)), 0, 127)                   (unsigned 7-bit zero point)
 *   q[k] = clamp(rne(fround(x[k] / s_x)) + z, 0, 127)            (unsigned 7-bit: 0..127)
 *   When s_x = 0 (an all-zero row, or a range that underflows) every q[k] and z are 0.
 *   A row holding NaN or ±Infinity, or whose range overflows float32, gives NaN in its whole
 *   output row.
 *
 * Product, per output y[m, n]:
 *   acc = Σ_k Wq[n, k] · q[k] − z · rowSum[n]                      (exact int32: K ≤ MAX_QUANTIZED_K)
 *   y   = fround(fround(fround(s_x · s_w[n]) · fround(acc)) + bias[n])   (no bias: no add)
 *   Three float32 operations in that order, no fused multiply-add.
 *
 * `rne` is round half to even (IEEE roundTiesToEven: wasm's f32x4.nearest / f32.nearest), and
 * every division is a float32 division (f32x4.div), so a SIMD kernel reproduces each q exactly;
 * with weights in [−127, 127] and activations in [0, 127], relaxed SIMD's
 * `i32x4.relaxed_dot_i8x16_i7x16_add_s` is deterministic and `i32x4.dot_i16x8_s` on widened
 * values gives the same int32 sums.
 */

const f = Math.fround;

/**
 * Largest K (inner size) of an int8 product: |Σ Wq·q| + |z·rowSum| ≤ 2·127·127·K must stay
 * below 2^31.
 */
export const MAX_QUANTIZED_K = 65536;

/** Round half to even (IEEE roundTiesToEven), as wasm's `nearest`; NaN stays NaN. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // halves go up (toward +∞)
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** W [N, K] float32 → per-row symmetric int8 with float32 scales (see the scheme above). */
export function quantizeRows(w: Float32Array, N: number, K: number): QuantizedMatrix {
  if (w.length !== N * K) {
    throw new RnnkitError('SHAPE_MISMATCH', `quantize: weight: expected ${N * K} values for [${N}, ${K}], got ${w.length}`, { argument: 'weight' });
  }
  const data = new Int8Array(N * K);
  const scales = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const o = n * K;
    let m = 0;
    for (let k = 0; k < K; k++) {
      const a = Math.abs(w[o + k]);
      if (!(a <= Number.MAX_VALUE)) {
        throw new RnnkitError('INVALID_ARGUMENT', `quantize: weight[${n}, ${k}]: expected a finite number, got ${w[o + k]}`, { argument: 'weight' });
      }
      if (a > m) m = a;
    }
    const s = f(m / 127);
    scales[n] = s;
    if (s === 0) continue;
    for (let k = 0; k < K; k++) {
      const q = roundHalfEven(f(w[o + k] / s));
      data[o + k] = q > 127 ? 127 : q < -127 ? -127 : q;
    }
  }
  return { data, scales, shape: [N, K] };
}

/** Wq · s_w as float32 [N, K]: the weights a float32 backend runs when it has no int8 kernels. */
export function dequantizeRows(q: QuantizedMatrix): Float32Array {
  const [N, K] = q.shape;
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    const s = q.scales[n];
    for (let k = 0; k < K; k++) out[n * K + k] = f(q.data[n * K + k] * s);
  }
  return out;
}

/** rowSum[n] = Σ_k Wq[n, k] [N] (the zero-point correction's factor). */
export function int8RowSums(q: QuantizedMatrix): Int32Array {
  const [N, K] = q.shape;
  const sums = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += q.data[n * K + k];
    sums[n] = s;
  }
  return sums;
}

/**
 * Quantizes x[offset .. offset + K) into out[0 .. K) (unsigned 7-bit) and returns its scale and
 * zero point; `scale` is NaN for a row that must give NaN (non-finite values, overflowing range).
 */
export function quantizeActivationRow(
  x: Float32Array,
  offset: number,
  K: number,
  out: Uint8Array,
): {
  /** s_x, the row's float32 scale; 0 for an all-zero row, NaN for a row that must give NaN. */
  scale: number;
  /** z, the zero point in [0, 127]. */
  zero: number;
} {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < K; k++) {
    const v = x[offset + k];
    if (!(Math.abs(v) <= 3.4028234663852886e38)) return { scale: Number.NaN, zero: 0 };
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = f(hi - lo);
  if (range === Number.POSITIVE_INFINITY) return { scale: Number.NaN, zero: 0 };
  const s = f(range / 127);
  if (s === 0) {
    out.fill(0, 0, K);
    return { scale: 0, zero: 0 };
  }
  let z = roundHalfEven(f(-lo / s));
  z = z > 127 ? 127 : z > 0 ? z : 0; // −0 (from lo = 0) becomes 0
  for (let k = 0; k < K; k++) {
    const q = roundHalfEven(f(x[offset + k] / s)) + z;
    out[k] = q > 127 ? 127 : q > 0 ? q : 0;
  }
  return { scale: s, zero: z };
}

/**
 * The reference int8 product on host arrays: x [M, K] float32 · Wqᵀ ([N, K] int8) + bias [N]
 * → y [M, N] float32, exactly as the scheme above. `rowSums` from `int8RowSums(q)`.
 */
export function quantizedMatmulHost(x: Float32Array, M: number, q: QuantizedMatrix, rowSums: Int32Array, bias?: Float32Array): Float32Array {
  const [N, K] = q.shape;
  if (K > MAX_QUANTIZED_K) {
    throw new RnnkitError('LIMIT_EXCEEDED', `quantizedMatmul: weight: expected at most ${MAX_QUANTIZED_K} columns (K), got ${K}`, { argument: 'weight' });
  }
  const y = new Float32Array(M * N);
  const xq = new Uint8Array(K);
  const w = q.data;
  for (let m = 0; m < M; m++) {
    const { scale, zero } = quantizeActivationRow(x, m * K, K, xq);
    const o = m * N;
    if (Number.isNaN(scale)) {
      y.fill(Number.NaN, o, o + N);
      continue;
    }
    for (let n = 0; n < N; n++) {
      const wo = n * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += w[wo + k] * xq[k];
      acc -= zero * rowSums[n];
      const v = f(f(scale * q.scales[n]) * f(acc));
      y[o + n] = bias ? f(v + bias[n]) : v;
    }
  }
  return y;
}
