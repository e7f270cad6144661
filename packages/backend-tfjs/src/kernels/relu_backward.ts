import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { elementwise } from './elementwise_impl.js';

/** dy where y > 0, else exactly 0 (even where dy is not finite), from the relu output y; keeps y's shape. */
export function reluBackward(ctx: TfjsContext, y: TfjsTensor, dy: TfjsTensor): TfjsTensor {
  const tf = ctx.tf;
  return elementwise(ctx, y, dy, (ty, tdy) => tf.where(tf.greater(ty, 0), tdy, tf.zerosLike(tdy)));
}
