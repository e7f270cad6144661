import type { MatmulOptions } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { matMul } from './layout_impl.js';

/**
 * alpha · op(a) · op(b) + beta · c: a [M, K] (or [K, M] with transposeA), b [K, N] (or [N, K]
 * with transposeB), c [M, N]. One tf.matMul (on wasm a flagged transpose is done explicitly first: faster).
 */
export function matmul(ctx: TfjsContext, a: TfjsTensor, b: TfjsTensor, opts: MatmulOptions<TfjsTensor>): TfjsTensor {
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  const c = opts.c;
  const tf = ctx.tf;
  return runOne(ctx, () => {
    let y = matMul(ctx, tfOf(a), tfOf(b), opts.transposeA ?? false, opts.transposeB ?? false);
    if (alpha !== 1) y = tf.mul(y, alpha);
    if (c && beta !== 0) y = tf.add(y, beta === 1 ? tfOf(c) : tf.mul(tfOf(c), beta));
    return y;
  });
}
