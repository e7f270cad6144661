// Elementwise primitives over n floats in linear memory, for tensors large enough that the
// copies in and out cost less than the scalar JS loops they replace (see src/wasm/elementwise.ts).
// Results are bit-identical to the TypeScript kernels in src/kernels/: a float32 +, −, × is
// exactly the JS double result rounded once, and affine runs in double as JS does. Only
// sumSquares differs in the last bits, from summing in two double lanes instead of one.

/** out = a + b (op 0), a − b (op 1) or a · b (op 2), four lanes at a time. */
export function binaryArrays(op: i32, n: i32, a: usize, b: usize, out: usize): void {
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let i: usize = 0;
  if (op == 0) {
    for (; i < n4; i += 16) v128.store(out + i, f32x4.add(v128.load(a + i), v128.load(b + i)));
    for (; i < nb; i += 4) store<f32>(out + i, load<f32>(a + i) + load<f32>(b + i));
  } else if (op == 1) {
    for (; i < n4; i += 16) v128.store(out + i, f32x4.sub(v128.load(a + i), v128.load(b + i)));
    for (; i < nb; i += 4) store<f32>(out + i, load<f32>(a + i) - load<f32>(b + i));
  } else {
    for (; i < n4; i += 16) v128.store(out + i, f32x4.mul(v128.load(a + i), v128.load(b + i)));
    for (; i < nb; i += 4) store<f32>(out + i, load<f32>(a + i) * load<f32>(b + i));
  }
}

/** out = a · s + t in double, rounded once to float (what the JS kernel computes). */
export function affineArray(n: i32, a: usize, s: f64, t: f64, out: usize): void {
  const n2 = <usize>(n & ~1) << 2;
  const nb = <usize>n << 2;
  const vs = f64x2.splat(s);
  const vt = f64x2.splat(t);
  let i: usize = 0;
  for (; i < n2; i += 8) {
    const x = f64x2.promote_low_f32x4(v128.load64_zero(a + i));
    v128.store64_lane(out + i, f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(x, vs), vt)), 0);
  }
  if (i < nb) store<f32>(out + i, <f32>(<f64>load<f32>(a + i) * s + t));
}

/** Σ a² in double: two lanes, each summing every other element, added at the end. */
export function sumSquaresArray(n: i32, a: usize): f64 {
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i: usize = 0;
  for (; i < n4; i += 16) {
    const lo = f64x2.promote_low_f32x4(v128.load64_zero(a + i));
    const hi = f64x2.promote_low_f32x4(v128.load64_zero(a + i + 8));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < nb; i += 4) {
    const x = <f64>load<f32>(a + i);
    total += x * x;
  }
  return total;
}

/**
 * dst row (i · outer + o) ← src row (o · inner + i), rows of `cols` floats: an [outer, inner]
 * grid of rows regrouped as [inner, outer], i.e. batch-first [B, T, ·] to time-major (outer = B,
 * inner = T) and back (outer = T, inner = B). The fused recurrent kernels' layout change.
 */
export function transposeRows(outer: i32, inner: i32, cols: i32, src: usize, dst: usize): void {
  const rowB = <usize>cols << 2;
  for (let o = 0; o < outer; o++) {
    let s = src + <usize>o * <usize>inner * rowB;
    let d = dst + <usize>o * rowB;
    const step = <usize>outer * rowB;
    for (let i = 0; i < inner; i++) {
      memory.copy(d, s, rowB);
      s += rowB;
      d += step;
    }
  }
}

/**
 * The MSE pass: grad = (o − t) · s + 0 in double rounded once (affine of the float32 difference,
 * as the JS kernels compute it) and the returned Σ (o − t)², summed exactly as sumSquaresArray
 * sums, so this equals sub, then sumSquares and affine, bit for bit.
 */
export function squaredErrorGrad(n: i32, o: usize, t: usize, s: f64, grad: usize): f64 {
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  const vs = f64x2.splat(s);
  const zero = f64x2.splat(0);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i: usize = 0;
  for (; i < n4; i += 16) {
    const d = f32x4.sub(v128.load(o + i), v128.load(t + i));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    const gLo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(lo, vs), zero));
    const gHi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(hi, vs), zero));
    v128.store(grad + i, i64x2.shuffle(gLo, gHi, 0, 2));
  }
  const sum = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < nb; i += 4) {
    const d = <f64>(load<f32>(o + i) - load<f32>(t + i));
    total += d * d;
    store<f32>(grad + i, <f32>(d * s + 0));
  }
  return total;
}
