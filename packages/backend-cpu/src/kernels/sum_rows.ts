import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Column sums of a [M, N] → [N] (bias gradients), accumulated in double. */
export function sumRows(_: CpuContext, a: CpuTensor): CpuTensor {
  const [M, N] = rowsCols(a.shape);
  const acc = new Float64Array(N);
  const x = a.data;
  for (let i = 0; i < M; i++) {
    const r = i * N;
    for (let j = 0; j < N; j++) acc[j] += x[r + j];
  }
  return new CpuTensor(Float32Array.from(acc), [N]);
}
