import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/** Sum of squares of all elements: [1] (gradient norms). */
export function sumSquares(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  const tf = ctx.tf;
  return runOne(ctx, () => tf.reshape(tf.sum(tf.square(tfOf(a))), [1]));
}
