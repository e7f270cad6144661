import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';
import { softmaxRow } from './softmax_impl.js';

/** Row-wise softmax of [N, C]. */
export function softmax(_: RefContext, a: RefTensor): RefTensor {
  const [N, C] = view2d(a);
  const out = new Float32Array(N * C);
  for (let i = 0; i < N; i++) out.set(softmaxRow(a.data.subarray(i * C, (i + 1) * C)).p, i * C);
  return refTensor(out, [N, C]);
}
