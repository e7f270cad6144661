import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { elementwise } from './elementwise_impl.js';

/** a − b, elementwise (b has a's 2-D view); keeps a's shape. */
export function sub(ctx: TfjsContext, a: TfjsTensor, b: TfjsTensor): TfjsTensor {
  return elementwise(ctx, a, b, (x, y) => ctx.tf.sub(x, y));
}
