import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { checkInt, view2d } from '../validate.js';
import { rows } from './layout_impl.js';

/** Rows [start, start + count) of a [M, N]: [count, N]. */
export function sliceRows(be: TfjsBackend, a: Tensor, start: number, count: number): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const [M, N] = view2d(a);
  checkInt('start', start, 0, M);
  checkInt('count', count, 0, M - start);
  const tf = be.tf;
  return be.wrap(be.run(() => rows(be, tf.reshape(ta, [M, N]), start, count)));
}
