import { type CpuContext, CpuTensor } from '../tensor.js';

/** Sum of all elements → [1], accumulated in double. */
export function sum(_: CpuContext, a: CpuTensor): CpuTensor {
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return new CpuTensor(Float32Array.of(s), [1]);
}
