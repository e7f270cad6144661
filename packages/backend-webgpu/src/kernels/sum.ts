import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { reduceAll } from './reduce_impl.js';

/** Sum of all elements: [1]. */
export function sum(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return reduceAll(ctx, a, false);
}
