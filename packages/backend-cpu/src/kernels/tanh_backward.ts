import { type CpuContext, CpuTensor } from '../tensor.js';

/** dy · (1 − y²) from the tanh output y, elementwise. y and dy view as the same [rows, cols]; keeps y's shape. */
export function tanhBackward(_: CpuContext, y: CpuTensor, dy: CpuTensor): CpuTensor {
  const v = y.data;
  const g = dy.data;
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g[i] * (1 - v[i] * v[i]);
  return new CpuTensor(out, y.shape);
}
