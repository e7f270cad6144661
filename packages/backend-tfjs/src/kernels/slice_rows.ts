import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { rows } from './layout_impl.js';

/** Rows [start, start + count) of a [M, N]: [count, N]. */
export function sliceRows(ctx: TfjsContext, a: TfjsTensor, start: number, count: number): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  return runOne(ctx, () => rows(ctx, ctx.tf.reshape(tfOf(a), [M, N]), start, count));
}
