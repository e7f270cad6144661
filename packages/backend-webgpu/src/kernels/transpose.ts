import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { encodeCopy2d } from './copy2d.js';

/** [M, N] → [N, M]. Not in the Backend interface: the fused forward uses it on W_hh. */
export function transpose(be: WebgpuBackend, x: WebgpuTensor): WebgpuTensor {
  const [M, N] = [x.shape[0], x.shape[1]];
  const out = be.alloc([N, M]);
  const p = be.program();
  encodeCopy2d(p, x.buf, out.buf, { rows: M, width: N, sLd: N, dLd: M, transpose: true }, be.maxWorkgroups);
  p.submit();
  return out;
}
