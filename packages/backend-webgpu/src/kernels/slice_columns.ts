import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { checkInt, view2d } from '../validate.js';
import { encodeCopy2d } from './copy2d.js';

/** Columns [start, start + width) of a [M, N]: [M, width]. */
export function sliceColumns(be: WebgpuBackend, a: Tensor, start: number, width: number): WebgpuTensor {
  const x = be.own('sliceColumns', 'a', a);
  const [M, N] = view2d(x);
  checkInt('sliceColumns', 'start', start, 0, N);
  checkInt('sliceColumns', 'width', width, 0, N - start);
  const out = be.alloc([M, width]);
  const p = be.program();
  encodeCopy2d(p, x.buf, out.buf, { rows: M, width, sOff: start, sLd: N, dLd: width }, be.maxWorkgroups);
  p.submit();
  return out;
}
