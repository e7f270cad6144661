import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** a [M, N] with row m scaled by v[m]. */
export function mulColumnVector(_: RefContext, a: RefTensor, v: RefTensor): RefTensor {
  const [M, N] = view2d(a);
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] = a.data[i * N + j] * v.data[i];
  return refTensor(out, [M, N]);
}
