import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('affine', 'x * P.s + P.t');

/** a · s + t, elementwise. */
export function affine(ctx: WebgpuContext, a: WebgpuTensor, s: number, t: number): WebgpuTensor {
  return runUnary(ctx, def, a, s, t);
}
