import { type CpuContext, CpuTensor } from '../tensor.js';

/** √a (NaN below 0), elementwise. Keeps a's shape. */
export function sqrt(_: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
  return new CpuTensor(out, a.shape);
}
