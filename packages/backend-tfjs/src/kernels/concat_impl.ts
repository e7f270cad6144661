import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { as } from './elementwise_impl.js';

/** Joins the parts' 2-D views along `axis` (0: rows, 1: columns); core has checked the other extent agrees. */
export function concat2d(ctx: TfjsContext, parts: readonly TfjsTensor[], axis: 0 | 1): TfjsTensor {
  const tf = ctx.tf;
  return runOne(ctx, () => {
    const views = parts.map((p) => as(ctx, tfOf(p), rowsCols(p.shape)));
    return views.length === 1 ? tf.clone(views[0]) : tf.concat(views, axis);
  });
}
