import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkInt, view2d } from '../validate.js';

/** Rows [start, start + count) of a [M, N]: [count, N], as one buffer copy. */
export function sliceRows(be: WebgpuBackend, a: Tensor, start: number, count: number): WebgpuTensor {
  const x = be.own('sliceRows', 'a', a);
  const [M, N] = view2d(x);
  checkInt('sliceRows', 'start', start, 0, M);
  checkInt('sliceRows', 'count', count, 0, M - start);
  const out = be.alloc([count, N]);
  const p = be.program();
  p.copy(x.buf, start * N * 4, out.buf, 0, count * N * 4);
  p.submit();
  return out;
}
