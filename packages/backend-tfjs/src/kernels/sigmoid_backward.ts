import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { elementwise } from './elementwise_impl.js';

/** dy · y · (1 − y), from the sigmoid output y; keeps y's shape. */
export function sigmoidBackward(ctx: TfjsContext, y: TfjsTensor, dy: TfjsTensor): TfjsTensor {
  const tf = ctx.tf;
  return elementwise(ctx, y, dy, (ty, tdy) => tf.mul(tf.mul(tdy, ty), tf.sub(1, ty)));
}
