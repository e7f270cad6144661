import type { CpuData } from '../tensor.js';
import { checkSame2d } from '../validate.js';

/** a / b, elementwise; a and b view as the same [rows, cols]. Keeps a's shape. */
export function div(a: CpuData, b: CpuData): CpuData {
  checkSame2d('div', a, b);
  const x = a.data;
  const y = b.data;
  const n = x.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
  return { data: out, shape: a.shape };
}
