import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runVector, vectorKernel } from './elementwise_impl.js';

const def = vectorKernel('add_row_vector', 'x + f32(v[col])');

/** a [M, N] + v [N] on every row. */
export function addRowVector(ctx: WebgpuContext, a: WebgpuTensor, v: WebgpuTensor): WebgpuTensor {
  return runVector(ctx, def, a, v);
}
