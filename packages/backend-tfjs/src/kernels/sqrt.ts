import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** √a, elementwise; keeps a's shape. */
export function sqrt(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  return unary(ctx, a, (x) => ctx.tf.sqrt(x));
}
