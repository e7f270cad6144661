import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** 1 / (1 + e^−a), elementwise; keeps a's shape. */
export function sigmoid(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  return unary(ctx, a, (x) => ctx.tf.sigmoid(x));
}
