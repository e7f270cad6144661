import { rowsCols } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from '../tensor.js';

/** Columns [start, start + width) of a [M, N] → [M, width] (one gate block). */
export function sliceColumns(_: CpuContext, a: CpuTensor, start: number, width: number): CpuTensor {
  const [M, N] = rowsCols(a.shape);
  const x = a.data;
  const out = new Float32Array(M * width);
  for (let i = 0; i < M; i++) out.set(x.subarray(i * N + start, i * N + start + width), i * width);
  return new CpuTensor(out, [M, width]);
}
