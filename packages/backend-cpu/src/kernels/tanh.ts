import { type CpuContext, CpuTensor } from '../tensor.js';

/** tanh(a), elementwise. Keeps a's shape. */
export function tanh(_: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
  return new CpuTensor(out, a.shape);
}
