import { rowsCols } from '@rnnkit/core';
import type { CpuData } from '../tensor.js';
import { checkVector } from '../validate.js';

/** a [M, N] + v [N] on every row (bias add). Keeps a's shape. */
export function addRowVector(a: CpuData, v: CpuData): CpuData {
  const [M, N] = rowsCols(a.shape);
  checkVector('addRowVector', 'v', v, N);
  const x = a.data;
  const w = v.data;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const r = i * N;
    for (let j = 0; j < N; j++) out[r + j] = x[r + j] + w[j];
  }
  return { data: out, shape: a.shape };
}
