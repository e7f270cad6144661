import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** Rows [start, start + count) of a [M, N] (a copy). */
export function sliceRows(_: RefContext, a: RefTensor, start: number, count: number): RefTensor {
  const [, N] = view2d(a);
  return refTensor(a.data.slice(start * N, (start + count) * N), [count, N]);
}
