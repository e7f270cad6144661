import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { elementwise } from './elementwise_impl.js';

/** dy · (1 − y²), from the tanh output y; keeps y's shape. */
export function tanhBackward(ctx: TfjsContext, y: TfjsTensor, dy: TfjsTensor): TfjsTensor {
  const tf = ctx.tf;
  return elementwise(ctx, y, dy, (ty, tdy) => tf.mul(tdy, tf.sub(1, tf.square(ty))));
}
