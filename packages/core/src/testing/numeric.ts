import type { Rng } from '../util/rng.js';

/** n float32 values uniform in [lo, hi) from a seeded generator: test inputs every backend shares. */
export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(lo, hi);
  return a;
}

/**
 * Largest |a_i − b_i| / max(1, |b_i|): absolute near zero, relative for large values, per
 * element (unlike `scaledError`, which scales by the largest reference value). NaN, or a
 * length mismatch, gives Infinity.
 */
export function maxElementError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}
