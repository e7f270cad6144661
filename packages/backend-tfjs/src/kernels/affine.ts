import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

/** a · s + t, elementwise; keeps a's shape. affine(a, 1, 0) is a copy. */
export function affine(ctx: TfjsContext, a: TfjsTensor, s: number, t: number): TfjsTensor {
  const tf = ctx.tf;
  return unary(ctx, a, (x) => {
    let y = s === 1 ? x : tf.mul(x, s);
    if (t !== 0) y = tf.add(y, t);
    return y === x ? tf.clone(x) : y;
  });
}
