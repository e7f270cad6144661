import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Rows [start, start + count) of a [M, N] → [count, N]: a view sharing a's buffer (one timestep). */
export function sliceRows(_: CpuContext, a: CpuTensor, start: number, count: number): CpuTensor {
  const N = rowsCols(a.shape)[1];
  return new CpuTensor(a.data.subarray(start * N, (start + count) * N), [count, N]);
}
