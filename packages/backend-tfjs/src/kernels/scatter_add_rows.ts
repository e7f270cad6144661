import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/**
 * out[indices[i]] += a[i] into zeros [numRows, N]: the adjoint of gatherRows. tf.scatterND sums
 * repeated indices and, unlike unsortedSegmentSum, has a kernel on every engine (wasm included).
 */
export function scatterAddRows(ctx: TfjsContext, a: TfjsTensor, indices: Int32Array, numRows: number): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  const tf = ctx.tf;
  return runOne(ctx, () =>
    M === 0 || N === 0 ? tf.zeros([numRows, N]) : tf.scatterND(tf.tensor2d(indices, [M, 1], 'int32'), tf.reshape(tfOf(a), [M, N]), [numRows, N]),
  );
}
