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
  // Cephes's degree-5 polynomial by Estrin's scheme rather than Horner's: three independent
  // pairs joined by r² and r⁴, four multiply-adds deep instead of seven (the gate math is a
  // chain of these; out-of-order execution can only overlap so much of it).
  const r2 = f32x4.mul(r, r);
  const e0 = madd(f32x4.splat(1.6666665459e-1), r, f32x4.splat(5.0000001201e-1));
  const e1 = madd(f32x4.splat(8.3334519073e-3), r, f32x4.splat(4.1665795894e-2));
  const e2 = madd(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  const q = madd(madd(e2, r2, e1), r2, e0);
  const p = madd(q, r2, f32x4.add(r, f32x4.splat(1)));
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
  // Both polynomials in x² by Estrin's scheme (pairs joined by x⁴ and x⁸), as in vexp.
  const x2 = f32x4.mul(x, x);
  const x4 = f32x4.mul(x2, x2);
  const p0 = madd(f32x4.splat(6.37261928875436e-4), x2, f32x4.splat(4.89352455891786e-3));
  const p1 = madd(f32x4.splat(5.12229709037114e-8), x2, f32x4.splat(1.48572235717979e-5));
  const p2 = madd(f32x4.splat(2.00018790482477e-13), x2, f32x4.splat(-8.60467152213735e-11));
  const p3 = madd(f32x4.splat(-2.76076847742355e-16), x4, p2); // the x¹² term joins the x⁸ pair
  const p = f32x4.mul(madd(madd(p3, x4, p1), x4, p0), x);
  const q0 = madd(f32x4.splat(2.26843463243900e-3), x2, f32x4.splat(4.89352518554385e-3));
  const q1 = madd(f32x4.splat(1.19825839466702e-6), x2, f32x4.splat(1.18534705686654e-4));
  const q = madd(q1, x4, q0);
  return f32x4.div(p, q);
}
