import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { concat2d } from './concat_impl.js';

/** Joins [M, N_i] tensors side by side: [M, Σ N_i]. */
export function concatColumns(ctx: TfjsContext, parts: readonly TfjsTensor[]): TfjsTensor {
  return concat2d(ctx, parts, 1);
}
