// Four-lane sigmoid and tanh for the fused gate math, written for what V8 emits: clamps use
// pmin/pmax (one instruction each; the NaN-exact min/max are eight), 2^n comes from the bits of
// a rounding constant instead of a float-to-int conversion, and tanh is a rational function
// with one division. A NaN input gives NaN. Scalar tails call the same code on a splat so
// every element of a row gets identical rounding however H divides by 4.

import { madd } from './simd';

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** 1.5 · 2^23: adding it rounds a float of magnitude < 2^22 to an integer, kept in the low mantissa bits. */
const ROUND: f32 = 12582912.0;

/**
 * e^x on four lanes (Cephes expf: about 1 ulp). x is clamped to [-87.3, 88.3], where e^x and
 * the 2^n below stay finite floats.
 */
@inline export function vexp(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  // x = n · ln 2 + r with n = round(x · log2 e), |r| ≤ ln 2 / 2.
  const t = madd(x, f32x4.splat(LOG2E), f32x4.splat(ROUND));
  const n = f32x4.sub(t, f32x4.splat(ROUND));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1)));
  // 2^n: t's low mantissa bits hold n (two's complement), so (t + 127) << 23 is n + 127 in the exponent field.
  const e = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(p, e);
}

/** 1 / (1 + e^-x) on four lanes. */
@inline export function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

/**
 * tanh on four lanes: Eigen's rational approximation (odd degree-13 numerator over even
 * degree-6 denominator, a few ulp; relative accuracy holds near 0) on x clamped to ±7.9053,
 * beyond which tanh is within 3e-7 of ±1.
 */
@inline export function vtanh(x: v128): v128 {
  const c: f32 = 7.90531110763549805;
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-c)), f32x4.splat(c));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = madd(p, x2, f32x4.splat(2.00018790482477e-13));
  p = madd(p, x2, f32x4.splat(-8.60467152213735e-11));
  p = madd(p, x2, f32x4.splat(5.12229709037114e-8));
  p = madd(p, x2, f32x4.splat(1.48572235717979e-5));
  p = madd(p, x2, f32x4.splat(6.37261928875436e-4));
  p = madd(p, x2, f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, x);
  let q = f32x4.splat(1.19825839466702e-6);
  q = madd(q, x2, f32x4.splat(1.18534705686654e-4));
  q = madd(q, x2, f32x4.splat(2.26843463243900e-3));
  q = madd(q, x2, f32x4.splat(4.89352518554385e-3));
  return f32x4.div(p, q);
}
