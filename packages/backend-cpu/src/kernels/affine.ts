import type { CpuData } from '../tensor.js';

/** a · s + t, elementwise. Keeps a's shape. */
export function affine(a: CpuData, s: number, t: number): CpuData {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * s + t;
  return { data: out, shape: a.shape };
}
