import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/** a [M, N] with row m scaled by v[m]: v [M] broadcast as a column [M, 1]; [M, N]. */
export function mulColumnVector(ctx: TfjsContext, a: TfjsTensor, v: TfjsTensor): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  const tf = ctx.tf;
  return runOne(ctx, () => tf.mul(tf.reshape(tfOf(a), [M, N]), tf.reshape(tfOf(v), [M, 1])));
}
