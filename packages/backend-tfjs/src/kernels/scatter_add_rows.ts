import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkIndices, checkInt, shapeError, view2d } from '../validate.js';

/**
 * out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows. tf.scatterND sums
 * repeated indices and, unlike unsortedSegmentSum, has a kernel on every engine (wasm included).
 */
export function scatterAddRows(be: TfjsBackend, a: Tensor, indices: Int32Array, numRows: number): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [M, N] = view2d(a);
  checkInt('numRows', numRows, 0, 2 ** 31 - 1);
  checkIndices('indices', indices, numRows);
  if (indices.length !== M) shapeError('a', `${indices.length} rows, one per index`, a.shape);
  const tf = be.tf;
  return be.wrap(
    be.run(() =>
      M === 0 || N === 0 ? tf.zeros([numRows, N]) : tf.scatterND(tf.tensor2d(indices, [M, 1], 'int32'), tf.reshape(ta, [M, N]), [numRows, N]),
    ),
  );
}
