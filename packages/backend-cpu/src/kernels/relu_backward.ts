import type { CpuData } from '../tensor.js';
import { checkSame2d } from '../validate.js';

/** dy where y > 0, else 0, from the relu output y, elementwise. y and dy view as the same [rows, cols]; keeps y's shape. */
export function reluBackward(y: CpuData, dy: CpuData): CpuData {
  checkSame2d('reluBackward', y, dy, 'y', 'dy');
  const v = y.data;
  const g = dy.data;
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i] > 0 ? g[i] : 0;
  return { data: out, shape: y.shape };
}
