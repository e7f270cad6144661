import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** tanh(a), elementwise; keeps a's shape. */
export function tanh(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  return unary(ctx, a, (x) => ctx.tf.tanh(x));
}
