import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeCopy2d } from './copy2d_impl.js';

/** Columns [start, start + width) of a [M, N]: [M, width]. */
export function sliceColumns(ctx: WebgpuContext, a: WebgpuTensor, start: number, width: number): WebgpuTensor {
  const [M, N] = rowsCols(a.shape);
  const out = ctx.alloc([M, width]);
  const p = ctx.program();
  encodeCopy2d(p, a.buf, out.buf, { rows: M, width, sOff: start, sLd: N, dLd: width }, ctx.maxWorkgroups);
  p.submit();
  return out;
}
