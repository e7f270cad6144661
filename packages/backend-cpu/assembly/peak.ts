import { madd } from './simd';

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
