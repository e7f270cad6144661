import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkInt, view2d } from '../validate.js';
import { columns } from './layout_impl.js';

/** Columns [start, start + width) of a [M, N]: [M, width]. */
export function sliceColumns(be: TfjsBackend, a: Tensor, start: number, width: number): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [M, N] = view2d(a);
  checkInt('start', start, 0, N);
  checkInt('width', width, 0, N - start);
  const tf = be.tf;
  return be.wrap(be.run(() => columns(be, tf.reshape(ta, [M, N]), [width], start)[0]));
}
