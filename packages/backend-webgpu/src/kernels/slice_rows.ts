import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';

/** Rows [start, start + count) of a [M, N]: [count, N], as one buffer copy. */
export function sliceRows(ctx: WebgpuContext, a: WebgpuTensor, start: number, count: number): WebgpuTensor {
  const N = rowsCols(a.shape)[1];
  const out = ctx.alloc([count, N]);
  const p = ctx.program();
  p.copy(a.buf, start * N * ctx.floatBytes, out.buf, 0, count * N * ctx.floatBytes);
  p.submit();
  return out;
}
