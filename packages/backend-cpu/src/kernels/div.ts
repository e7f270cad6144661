import { type CpuContext, CpuTensor } from '../tensor.js';

/** a / b, elementwise; a and b view as the same [rows, cols]. Keeps a's shape. */
export function div(_: CpuContext, a: CpuTensor, b: CpuTensor): CpuTensor {
  const x = a.data;
  const y = b.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
  return new CpuTensor(out, a.shape);
}
