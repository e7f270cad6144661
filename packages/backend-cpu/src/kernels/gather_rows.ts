import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { checkRowIndices } from '../validate.js';

/** out[i] = a[indices[i]] → [indices.length, N]: embeddings, time reversal, layout changes. */
export function gatherRows(a: CpuData, indices: Int32Array): CpuData {
  const [M, N] = rowsCols(a.shape);
  checkRowIndices('gatherRows', 'indices', indices, M);
  const x = a.data;
  const out = new Float32Array(indices.length * N);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] * N;
    out.set(x.subarray(r, r + N), i * N);
  }
  return { data: out, shape: [indices.length, N] };
}
