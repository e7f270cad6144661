import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** max(a, 0), elementwise; keeps a's shape. */
export function relu(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  return unary(ctx, a, (x) => ctx.tf.relu(x));
}
