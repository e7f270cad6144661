import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Row-wise softmax of a [N, C] → [N, C], shifted by each row's max for stability. */
export function softmax(_: CpuContext, a: CpuTensor): CpuTensor {
  const [N, C] = rowsCols(a.shape);
  const x = a.data;
  const out = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    const r = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) if (x[r + j] > max) max = x[r + j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[r + j] - max);
    for (let j = 0; j < C; j++) out[r + j] = Math.exp(x[r + j] - max) / s;
  }
  return new CpuTensor(out, [N, C]);
}
