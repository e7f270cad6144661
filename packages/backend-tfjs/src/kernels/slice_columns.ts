import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { columns } from './layout_impl.js';

/** Columns [start, start + width) of a [M, N]: [M, width]. */
export function sliceColumns(ctx: TfjsContext, a: TfjsTensor, start: number, width: number): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  return runOne(ctx, () => columns(ctx, ctx.tf.reshape(tfOf(a), [M, N]), [width], start)[0]);
}
