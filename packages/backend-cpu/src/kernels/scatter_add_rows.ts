import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows (embedding gradients). */
export function scatterAddRows(_: CpuContext, a: CpuTensor, indices: Int32Array, numRows: number): CpuTensor {
  const [K, N] = rowsCols(a.shape);
  const x = a.data;
  const out = new Float32Array(numRows * N);
  for (let i = 0; i < K; i++) {
    const src = i * N;
    const dst = indices[i] * N;
    for (let j = 0; j < N; j++) out[dst + j] += x[src + j];
  }
  return new CpuTensor(out, [numRows, N]);
}
