import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** out[i] = a[indices[i]]: [indices.length, N]. */
export function gatherRows(_: RefContext, a: RefTensor, indices: Int32Array): RefTensor {
  const [, N] = view2d(a);
  const out = new Float32Array(indices.length * N);
  for (let i = 0; i < indices.length; i++) out.set(a.data.subarray(indices[i] * N, (indices[i] + 1) * N), i * N);
  return refTensor(out, [indices.length, N]);
}
