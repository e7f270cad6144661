import { type RefContext, type RefTensor, refTensor, view2d } from '../tensor.js';

/** out[indices[i]] += a[i] into zeros [numRows, N], accumulated in double. */
export function scatterAddRows(_: RefContext, a: RefTensor, indices: Int32Array, numRows: number): RefTensor {
  const [, N] = view2d(a);
  const acc = new Float64Array(numRows * N);
  indices.forEach((r, i) => {
    for (let j = 0; j < N; j++) acc[r * N + j] += a.data[i * N + j];
  });
  return refTensor(Float32Array.from(acc), [numRows, N]);
}
