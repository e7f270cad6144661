import { type CpuContext, CpuTensor } from '../tensor.js';

/** dy · y · (1 − y) from the sigmoid output y, elementwise. y and dy view as the same [rows, cols]; keeps y's shape. */
export function sigmoidBackward(_: CpuContext, y: CpuTensor, dy: CpuTensor): CpuTensor {
  const v = y.data;
  const g = dy.data;
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g[i] * v[i] * (1 - v[i]);
  return new CpuTensor(out, y.shape);
}
