import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/** Sum of all elements: [1]. */
export function sum(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  const tf = ctx.tf;
  return runOne(ctx, () => tf.reshape(tf.sum(tfOf(a)), [1]));
}
