import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** out[i] = a[indices[i]] → [indices.length, N]: embeddings, time reversal, layout changes. */
export function gatherRows(_: CpuContext, a: CpuTensor, indices: Int32Array): CpuTensor {
  const N = rowsCols(a.shape)[1];
  const x = a.data;
  const out = new Float32Array(indices.length * N);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] * N;
    out.set(x.subarray(r, r + N), i * N);
  }
  return new CpuTensor(out, [indices.length, N]);
}
