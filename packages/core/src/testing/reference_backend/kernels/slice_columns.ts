import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** Columns [start, start + width) of a [M, N]. */
export function sliceColumns(_: RefContext, a: RefTensor, start: number, width: number): RefTensor {
  const [M, N] = view2d(a);
  const out = new Float32Array(M * width);
  for (let i = 0; i < M; i++) out.set(a.data.subarray(i * N + start, i * N + start + width), i * width);
  return refTensor(out, [M, width]);
}
