import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('clip', 'min(max(x, P.s), P.t)');

/** Clamps into [lo, hi]. */
export function clip(ctx: WebgpuContext, a: WebgpuTensor, lo: number, hi: number): WebgpuTensor {
  return runUnary(ctx, def, a, lo, hi);
}
