import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { reduceAll } from './reduce_impl.js';

/** Sum of squares of all elements: [1]. Gradient norms. */
export function sumSquares(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return reduceAll(ctx, a, true);
}
