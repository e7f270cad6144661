import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** a [M, N] with row m scaled by v[m] (v is [M]): per-batch-row masks → [M, N] (a of rank > 2 as its 2-D view). */
export function mulColumnVector(_: CpuContext, a: CpuTensor, v: CpuTensor): CpuTensor {
  const [M, N] = rowsCols(a.shape);
  const x = a.data;
  const w = v.data;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const r = i * N;
    const s = w[i];
    for (let j = 0; j < N; j++) out[r + j] = x[r + j] * s;
  }
  return new CpuTensor(out, [M, N]);
}
