import { madd } from '../assembly/simd';

/**
 * The machine's 128-bit SIMD ceiling, for the bench: `iters` rounds of 12 independent
 * multiply-adds on registers only (no loads), 96 flops per round. Returns a lane sum so the
 * work can't be optimized away.
 */
export function peakLoop(iters: i32, x: f32): f32 {
  const m = f32x4.splat(x);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(1), a2 = f32x4.splat(2), a3 = f32x4.splat(3);
  let a4 = f32x4.splat(4), a5 = f32x4.splat(5), a6 = f32x4.splat(6), a7 = f32x4.splat(7);
  let a8 = f32x4.splat(8), a9 = f32x4.splat(9), a10 = f32x4.splat(10), a11 = f32x4.splat(11);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, m, m);
    a1 = madd(a1, m, m);
    a2 = madd(a2, m, m);
    a3 = madd(a3, m, m);
    a4 = madd(a4, m, m);
    a5 = madd(a5, m, m);
    a6 = madd(a6, m, m);
    a7 = madd(a7, m, m);
    a8 = madd(a8, m, m);
    a9 = madd(a9, m, m);
    a10 = madd(a10, m, m);
    a11 = madd(a11, m, m);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * The integer ceiling, for the int8 kernels: `iters` rounds of 12 independent dot products on
 * registers only, each accumulator feeding its own next product (acc += dot(acc, m)) so nothing
 * is loop-invariant for the compiler to hoist. Relaxed build: the i8 × i7 dot as the int8
 * kernels spell it (i16x8.relaxed_dot_i8x16_i7x16_s + pairwise widening add), 16 multiply-adds
 * each (192 per round); plain build: i32x4.dot_i16x8_s + add, 8 each (96 per round). Returns a
 * lane sum so the work can't be optimized away.
 */
export function peakDotLoop(iters: i32, x: i32): i32 {
  const m = i8x16.splat(<i8>(x & 63));
  let a0 = i32x4.splat(0), a1 = i32x4.splat(1), a2 = i32x4.splat(2), a3 = i32x4.splat(3);
  let a4 = i32x4.splat(4), a5 = i32x4.splat(5), a6 = i32x4.splat(6), a7 = i32x4.splat(7);
  let a8 = i32x4.splat(8), a9 = i32x4.splat(9), a10 = i32x4.splat(10), a11 = i32x4.splat(11);
  for (let i = 0; i < iters; i++) {
    a0 = dot(a0, m);
    a1 = dot(a1, m);
    a2 = dot(a2, m);
    a3 = dot(a3, m);
    a4 = dot(a4, m);
    a5 = dot(a5, m);
    a6 = dot(a6, m);
    a7 = dot(a7, m);
    a8 = dot(a8, m);
    a9 = dot(a9, m);
    a10 = dot(a10, m);
    a11 = dot(a11, m);
  }
  const s = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)), i32x4.add(i32x4.add(a8, a9), i32x4.add(a10, a11))));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

/** Multiply-adds one `peakDotLoop` round does in this build. */
export function peakDotMacs(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 192 : 96;
}

/** acc + dot(acc, m): acc's bytes as the signed operand, m (0..63) as the unsigned 7-bit one. */
@inline function dot(acc: v128, m: v128): v128 {
  // The fused relaxed_dot_i8x16_i7x16_add_s is miscompiled by Node 20's V8 (quantized_gemm.ts, dotAdd).
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(acc, m)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(acc, m));
}
