import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeCopy2d } from './copy2d_impl.js';

/** Joins [M, N_i] tensors side by side: [M, Σ N_i]; one strided copy per part, one submit. */
export function concatColumns(ctx: WebgpuContext, parts: readonly WebgpuTensor[]): WebgpuTensor {
  const M = rowsCols(parts[0].shape)[0];
  const total = parts.reduce((s, x) => s + rowsCols(x.shape)[1], 0);
  const out = ctx.alloc([M, total]);
  const p = ctx.program();
  let col = 0;
  for (const x of parts) {
    const n = rowsCols(x.shape)[1];
    encodeCopy2d(p, x.buf, out.buf, { rows: M, width: n, sLd: n, dOff: col, dLd: total }, ctx.maxWorkgroups);
    col += n;
  }
  p.submit();
  return out;
}
