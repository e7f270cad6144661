import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** Clamps into [lo, hi] (lo may be −Infinity and hi +Infinity); keeps a's shape. */
export function clip(ctx: TfjsContext, a: TfjsTensor, lo: number, hi: number): TfjsTensor {
  return unary(ctx, a, (x) => ctx.tf.clipByValue(x, lo, hi));
}
