import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { columnSums } from './layout_impl.js';

/** Column sums of a [M, N]: [N] (bias gradients). */
export function sumRows(ctx: TfjsContext, a: TfjsTensor): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  return runOne(ctx, () => columnSums(ctx, ctx.tf.reshape(tfOf(a), [M, N])));
}
