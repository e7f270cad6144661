import { type CpuContext, CpuTensor } from '../tensor.js';

/** Clamps every element of a into [lo, hi] (NaN stays NaN). Keeps a's shape. */
export function clip(_: CpuContext, a: CpuTensor, lo: number, hi: number): CpuTensor {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return new CpuTensor(out, a.shape);
}
