import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';

/** Stacks [M_i, N] tensors: [Σ M_i, N], as buffer copies in one submit. */
export function concatRows(ctx: WebgpuContext, parts: readonly WebgpuTensor[]): WebgpuTensor {
  const N = rowsCols(parts[0].shape)[1];
  const rows = parts.reduce((s, x) => s + rowsCols(x.shape)[0], 0);
  const out = ctx.alloc([rows, N]);
  const p = ctx.program();
  let off = 0;
  for (const x of parts) {
    p.copy(x.buf, 0, out.buf, off * ctx.floatBytes, x.size * ctx.floatBytes);
    off += x.size;
  }
  p.submit();
  return out;
}
