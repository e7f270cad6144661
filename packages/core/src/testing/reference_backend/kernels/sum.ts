import { type RefContext, type RefTensor, refTensor } from '../tensor.js';

/** Sum of every element: [1], accumulated in double. */
export function sum(_: RefContext, a: RefTensor): RefTensor {
  let acc = 0;
  for (const v of a.data) acc += v;
  return refTensor(Float32Array.of(acc), [1]);
}
