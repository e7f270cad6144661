import type { CpuData } from '../tensor.js';
import { invalid } from '../validate.js';

/** Clamps every element of a into [lo, hi] (NaN stays NaN). Keeps a's shape. */
export function clip(a: CpuData, lo: number, hi: number): CpuData {
  if (Number.isNaN(lo)) invalid('clip', 'lo', 'a number', lo);
  if (Number.isNaN(hi) || hi < lo) invalid('clip', 'hi', `a number ≥ lo (${lo})`, hi);
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return { data: out, shape: a.shape };
}
