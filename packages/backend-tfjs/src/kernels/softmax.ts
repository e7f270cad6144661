import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';

/** Row-wise softmax of a viewed as [N, C]: [N, C]. */
export function softmax(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  const [N, C] = rowsCols(a.shape);
  const tf = ctx.tf;
  return runOne(ctx, () => tf.softmax(tf.reshape(tfOf(a), [N, C]), -1));
}
