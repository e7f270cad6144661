import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { checkIndex, checkRowIndices, shapeError } from '../validate.js';

/** out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows (embedding gradients). */
export function scatterAddRows(a: CpuData, indices: Int32Array, numRows: number): CpuData {
  const [K, N] = rowsCols(a.shape);
  checkIndex('scatterAddRows', 'numRows', numRows, Number.MAX_SAFE_INTEGER);
  checkRowIndices('scatterAddRows', 'indices', indices, numRows);
  if (indices.length !== K) shapeError('scatterAddRows', 'a', `[${indices.length}, N] (one row per index)`, a.shape);
  const x = a.data;
  const out = new Float32Array(numRows * N);
  for (let i = 0; i < K; i++) {
    const src = i * N;
    const dst = indices[i] * N;
    for (let j = 0; j < N; j++) out[dst + j] += x[src + j];
  }
  return { data: out, shape: [numRows, N] };
}
