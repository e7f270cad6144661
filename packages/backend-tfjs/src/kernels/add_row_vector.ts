import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/** a [M, N] + v [N] on every row (a tfjs broadcast add): [M, N]. */
export function addRowVector(ctx: TfjsContext, a: TfjsTensor, v: TfjsTensor): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  const tf = ctx.tf;
  return runOne(ctx, () => tf.add(tf.reshape(tfOf(a), [M, N]), tf.reshape(tfOf(v), [N])));
}
