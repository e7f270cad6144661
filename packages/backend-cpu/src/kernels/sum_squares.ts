import type { CpuData } from '../tensor.js';

/** Σ a² over all elements → [1] (gradient norms), accumulated in double. */
export function sumSquares(a: CpuData): CpuData {
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return { data: Float32Array.of(s), shape: [1] };
}
