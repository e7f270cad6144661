import type { CpuData } from '../tensor.js';

/** Sum of all elements → [1], accumulated in double. */
export function sum(a: CpuData): CpuData {
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return { data: Float32Array.of(s), shape: [1] };
}
