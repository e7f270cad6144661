import { type CpuContext, CpuTensor } from '../tensor.js';

/** max(a, 0), elementwise. Keeps a's shape. */
export function relu(_: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
  return new CpuTensor(out, a.shape);
}
