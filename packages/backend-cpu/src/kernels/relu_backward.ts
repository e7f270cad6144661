import { type CpuContext, CpuTensor } from '../tensor.js';

/** dy where y > 0, else 0, from the relu output y, elementwise. y and dy view as the same [rows, cols]; keeps y's shape. */
export function reluBackward(_: CpuContext, y: CpuTensor, dy: CpuTensor): CpuTensor {
  const v = y.data;
  const g = dy.data;
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i] > 0 ? g[i] : 0;
  return new CpuTensor(out, y.shape);
}
