import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { concat2d } from './concat_impl.js';

/** Stacks [M_i, N] tensors: [Σ M_i, N]. */
export function concatRows(ctx: TfjsContext, parts: readonly TfjsTensor[]): TfjsTensor {
  return concat2d(ctx, parts, 0);
}
