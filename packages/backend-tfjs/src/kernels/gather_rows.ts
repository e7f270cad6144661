import { rowsCols } from '@rnnkit/core/backend';
import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import { gather } from './layout_impl.js';

/** out[i] = a[indices[i]]: [indices.length, N] (embeddings, time reversal, layout changes). */
export function gatherRows(ctx: TfjsContext, a: TfjsTensor, indices: Int32Array): TfjsTensor {
  const [M, N] = rowsCols(a.shape);
  return runOne(ctx, () => gather(ctx, ctx.tf.reshape(tfOf(a), [M, N]), indices));
}
