import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { checkIndex } from '../validate.js';

/** Rows [start, start + count) of a [M, N] → [count, N]: a view sharing a's buffer (one timestep). */
export function sliceRows(a: CpuData, start: number, count: number): CpuData {
  const [M, N] = rowsCols(a.shape);
  checkIndex('sliceRows', 'start', start, M);
  checkIndex('sliceRows', 'count', count, M - start);
  return { data: a.data.subarray(start * N, (start + count) * N), shape: [count, N] };
}
