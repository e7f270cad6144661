import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** a [M, N] + v [N] on every row (bias add) → [M, N] (a of rank > 2 as its 2-D view). */
export function addRowVector(_: CpuContext, a: CpuTensor, v: CpuTensor): CpuTensor {
  const [M, N] = rowsCols(a.shape);
  const x = a.data;
  const w = v.data;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const r = i * N;
    for (let j = 0; j < N; j++) out[r + j] = x[r + j] + w[j];
  }
  return new CpuTensor(out, [M, N]);
}
