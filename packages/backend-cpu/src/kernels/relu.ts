import type { CpuData } from '../tensor.js';

/** max(a, 0), elementwise. Keeps a's shape. */
export function relu(a: CpuData): CpuData {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
  return { data: out, shape: a.shape };
}
