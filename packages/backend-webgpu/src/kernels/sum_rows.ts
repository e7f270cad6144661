import { rowsCols } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeSumRows, sumRowsGroups } from './reduce_impl.js';

/** Column sums of a [M, N]: [N]. Bias gradients. */
export function sumRows(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  const [M, N] = rowsCols(a.shape);
  ctx.checkWorkgroups('sumRows', 'a', sumRowsGroups(N), `summing ${N} columns`);
  const out = ctx.alloc([N]);
  const p = ctx.program();
  encodeSumRows(p, a.buf, M, N, out.buf);
  p.submit();
  return out;
}
