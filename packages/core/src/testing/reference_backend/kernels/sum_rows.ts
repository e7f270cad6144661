import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** Column sums of a [M, N]: [N], accumulated in double. */
export function sumRows(_: RefContext, a: RefTensor): RefTensor {
  const [M, N] = view2d(a);
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) acc[j] += a.data[i * N + j];
  return refTensor(Float32Array.from(acc), [N]);
}
