import { type CpuContext, CpuTensor } from '../tensor.js';

/** 1 / (1 + e^−a), elementwise. Keeps a's shape. */
export function sigmoid(_: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return new CpuTensor(out, a.shape);
}
