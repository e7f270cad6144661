import type { CpuData } from '../tensor.js';
import { checkSame2d } from '../validate.js';

/** dy · (1 − y²) from the tanh output y, elementwise. y and dy view as the same [rows, cols]; keeps y's shape. */
export function tanhBackward(y: CpuData, dy: CpuData): CpuData {
  checkSame2d('tanhBackward', y, dy, 'y', 'dy');
  const v = y.data;
  const g = dy.data;
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g[i] * (1 - v[i] * v[i]);
  return { data: out, shape: y.shape };
}
