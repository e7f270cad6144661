import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { checkIndex } from '../validate.js';

/** Columns [start, start + width) of a [M, N] → [M, width] (one gate block). */
export function sliceColumns(a: CpuData, start: number, width: number): CpuData {
  const [M, N] = rowsCols(a.shape);
  checkIndex('sliceColumns', 'start', start, N);
  checkIndex('sliceColumns', 'width', width, N - start);
  const x = a.data;
  const out = new Float32Array(M * width);
  for (let i = 0; i < M; i++) out.set(x.subarray(i * N + start, i * N + start + width), i * width);
  return { data: out, shape: [M, width] };
}
